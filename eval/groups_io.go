package eval

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/recd/recd"
)

// ReadUserGroups reads each user's value of attr from path: JSON lines of users as the API
// writes them ({"id": ..., "attributes": {...}}, .jsonl or .ndjson), or a CSV file whose
// header names a user_id (or userId, id) column and an attr column. A value becomes a group
// name as the online metrics name it: a string as it is, a number or boolean as JSON writes
// it. Users without the attribute are left out (GroupUnknown).
func ReadUserGroups(path, attr string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".jsonl") || strings.HasSuffix(path, ".ndjson") {
		return readUserGroupsJSONL(f, attr)
	}
	return readUserGroupsCSV(f, attr)
}

func readUserGroupsJSONL(r io.Reader, attr string) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var u recd.User
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil || u.ID == "" {
			return nil, recd.Invalid("users", fmt.Sprintf("line %d is not a user with an id", line))
		}
		if v, ok := groupName(u.Attributes[attr]); ok {
			out[u.ID] = v
		}
	}
	return out, sc.Err()
}

func readUserGroupsCSV(r io.Reader, attr string) (map[string]string, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, recd.Invalid("users", "a CSV file needs a header")
	}
	idCol, attrCol := -1, slices.Index(header, attr)
	for _, name := range []string{"user_id", "userId", "id"} {
		if i := slices.Index(header, name); i >= 0 && idCol < 0 {
			idCol = i
		}
	}
	if idCol < 0 || attrCol < 0 {
		return nil, recd.Invalid("users", fmt.Sprintf("the header needs a user_id column and a %q column", attr))
	}
	out := map[string]string{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, recd.Invalid("users", err.Error())
		}
		if v := rec[attrCol]; v != "" {
			out[rec[idCol]] = v
		}
	}
}

// groupName is an attribute value as a group name; false for a missing or null value.
func groupName(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	b, err := json.Marshal(v)
	return string(b), err == nil
}

// writeGroupsMarkdown appends the fairness audit: per model, each group's users and mean
// metrics, then each metric's largest gap.
func writeGroupsMarkdown(b *strings.Builder, r *Report) {
	if r.Groups == nil {
		return
	}
	ms := r.presentMetrics()
	for _, mg := range r.Groups.Models {
		if len(mg.Groups) == 0 {
			continue
		}
		fmt.Fprintf(b, "\n### %s by %s\n\n| group | users |", mg.Model, r.Groups.By)
		var keys []string
		for _, m := range ms {
			if _, ok := mg.Groups[0].Metrics[m.key]; ok {
				keys = append(keys, m.key)
				fmt.Fprintf(b, " %s |", atK(m.label, m.key, r.k()))
			}
		}
		b.WriteString("\n|---|---:|" + strings.Repeat("---:|", len(keys)) + "\n")
		for _, g := range mg.Groups {
			fmt.Fprintf(b, "| %s | %d |", g.Group, g.Users)
			for _, k := range keys {
				fmt.Fprintf(b, " %.4f |", g.Metrics[k])
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(b, "\nLargest gap (groups of at least %d users):\n\n| metric | highest | lowest | gap | p |\n|---|---|---|---:|---:|\n", r.Groups.MinUsers)
		for _, k := range keys {
			if g, ok := mg.LargestGap[k]; ok {
				p := "-"
				if g.PValue != nil {
					p = formatP(*g.PValue)
				}
				fmt.Fprintf(b, "| %s | %s (%.4f) | %s (%.4f) | %.4f | %s |\n", k, g.Highest, g.High, g.Lowest, g.Low, g.Gap, p)
			}
		}
	}
}
