package eval

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
)

// readEventsJSONL reads one recd.Event JSON object per line; blank lines are skipped.
func readEventsJSONL(path string) (*dataset.Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer f.Close()
	d := &dataset.Data{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var e recd.Event
		if err := json.Unmarshal([]byte(text), &e); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, errors.Join(recd.ErrInvalid, err))
		}
		if e.UserID == "" || e.ItemID == "" {
			return nil, fmt.Errorf("%s line %d: %w", path, line, recd.Invalid("user_id", "user_id and item_id are required"))
		}
		d.Events = append(d.Events, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return d, nil
}

// csvColumns finds the user, item, value and timestamp columns of a header row by name.
func csvColumns(header []string) (user, item, value, ts int, err error) {
	user, item, value, ts = -1, -1, -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "user", "user_id", "userid", "uid":
			user = i
		case "item", "item_id", "itemid", "movieid", "movie_id", "iid":
			item = i
		case "rating", "value", "score":
			value = i
		case "timestamp", "time", "ts":
			ts = i
		}
	}
	if user < 0 || item < 0 {
		return 0, 0, 0, 0, recd.Invalid("header", fmt.Sprintf("no user and item columns in %q", header))
	}
	return user, item, value, ts, nil
}

// parseTime accepts Unix seconds or RFC 3339.
func parseTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Parse(time.RFC3339, s)
}

// readEventsCSV reads a CSV with a header naming user and item columns and optionally
// rating/value and timestamp columns; rows with a value become rating events.
func readEventsCSV(path string) (*dataset.Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	cu, ci, cv, ct, err := csvColumns(header)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d := &dataset.Data{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return d, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) <= max(cu, ci, cv, ct) {
			return nil, fmt.Errorf("%s line %d: %w", path, line, recd.Invalid("row", fmt.Sprintf("%d fields", len(rec))))
		}
		e := recd.Event{UserID: rec[cu], ItemID: rec[ci], Type: recd.EventClick}
		if cv >= 0 && rec[cv] != "" {
			v, err := strconv.ParseFloat(rec[cv], 64)
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", path, line, recd.Invalid("value", err.Error()))
			}
			e.Type, e.Value = recd.EventRating, v
		}
		if ct >= 0 && rec[ct] != "" {
			if e.Timestamp, err = parseTime(rec[ct]); err != nil {
				return nil, fmt.Errorf("%s line %d: %w", path, line, recd.Invalid("timestamp", err.Error()))
			}
		}
		d.Events = append(d.Events, e)
	}
}

// readPairs reads user-item pairs as click events: user<TAB>item[<TAB>unix-seconds] lines
// (further tab-separated fields are ignored; the optional third field dates the event), or a
// CSV with a header naming user and item columns (and optionally a timestamp column) when the
// file ends in .csv or its first line has a comma and no tab.
func readPairs(path string) ([]recd.Event, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	if strings.HasSuffix(path, ".csv") || (strings.Contains(first, ",") && !strings.Contains(first, "\t")) {
		d, err := readEventsCSV(path)
		if err != nil {
			return nil, err
		}
		out := make([]recd.Event, len(d.Events))
		for i, e := range d.Events {
			out[i] = recd.Event{UserID: e.UserID, ItemID: e.ItemID, Type: recd.EventClick, Timestamp: e.Timestamp}
		}
		return out, nil
	}
	var out []recd.Event
	for n, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("%s line %d: %w", path, n+1, recd.Invalid("line", "want user<TAB>item"))
		}
		e := recd.Event{UserID: f[0], ItemID: f[1], Type: recd.EventClick}
		if len(f) > 2 && f[2] != "" {
			sec, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", path, n+1, recd.Invalid("timestamp", "want Unix seconds"))
			}
			e.Timestamp = time.Unix(sec, 0).UTC()
		}
		out = append(out, e)
	}
	return out, nil
}

// ReadSplitFiles reads a split given as a training and a test file of user-item pairs (see
// readPairs), so that the exact split can be shared with other systems. Training pairs
// become click events in file order, dated when the file carries timestamps.
func ReadSplitFiles(trainPath, testPath string) (*Split, error) {
	tr, err := readPairs(trainPath)
	if err != nil {
		return nil, fmt.Errorf("read train: %w", err)
	}
	te, err := readPairs(testPath)
	if err != nil {
		return nil, fmt.Errorf("read test: %w", err)
	}
	s := &Split{Test: map[string][]string{}}
	s.Train = tr
	seen := map[pairKey]bool{}
	for _, e := range te {
		k := pairKey{e.UserID, e.ItemID}
		if !seen[k] {
			seen[k] = true
			s.Test[k.user] = append(s.Test[k.user], k.item)
		}
	}
	for _, items := range s.Test {
		sort.Strings(items)
	}
	return s, nil
}

// WriteSplitFiles writes a split as user<TAB>item files readable by ReadSplitFiles; a
// training pair whose first event is dated gets its Unix time as a third field.
func WriteSplitFiles(s *Split, trainPath, testPath string) error {
	err := writeFileAtomic(trainPath, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		seen := map[pairKey]bool{}
		for _, e := range s.Train {
			if k := (pairKey{e.UserID, e.ItemID}); !seen[k] {
				seen[k] = true
				if e.Timestamp.IsZero() {
					fmt.Fprintf(bw, "%s\t%s\n", e.UserID, e.ItemID)
				} else { // the time split and the ranker's recency features need it
					fmt.Fprintf(bw, "%s\t%s\t%d\n", e.UserID, e.ItemID, e.Timestamp.Unix())
				}
			}
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("write train: %w", err)
	}
	users := make([]string, 0, len(s.Test))
	for u := range s.Test {
		users = append(users, u)
	}
	sort.Strings(users)
	return writeFileAtomic(testPath, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		for _, u := range users {
			for _, it := range s.Test[u] {
				fmt.Fprintf(bw, "%s\t%s\n", u, it)
			}
		}
		return bw.Flush()
	})
}

// ReadData reads a data set in the given format ("" picks one from the path: a directory is
// MovieLens, *.jsonl events JSONL, anything else CSV).
func ReadData(path, format string) (*dataset.Data, error) {
	if format == "" {
		st, err := os.Stat(path)
		switch {
		case err != nil:
			return nil, fmt.Errorf("read data: %w", err)
		case st.IsDir():
			format = "movielens"
		case strings.HasSuffix(path, ".jsonl") || strings.HasSuffix(path, ".ndjson"):
			format = "events-jsonl"
		default:
			format = "csv"
		}
	}
	switch format {
	case "movielens":
		return dataset.ReadMovieLens(path)
	case "events-jsonl":
		return readEventsJSONL(path)
	case "csv":
		return readEventsCSV(path)
	}
	return nil, recd.Invalid("format", fmt.Sprintf("unknown format %q (movielens, events-jsonl, csv)", format))
}

// writeFileAtomic writes through a temporary file in the same directory and renames it.
func writeFileAtomic(path string, fn func(io.Writer) error) error {
	f, err := os.CreateTemp(dirOf(path), ".recd-report-*")
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}
