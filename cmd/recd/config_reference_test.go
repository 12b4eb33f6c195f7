package main

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite README.md's configuration reference from the schema")

// renderReference writes the configuration reference: every key of Config, in its order,
// with its default and a comment holding the schema's doc and range.
func renderReference() string {
	docs := map[string]setting{}
	for _, s := range schema {
		docs[s.path] = s
	}
	var b strings.Builder
	renderSection(&b, reflect.ValueOf(defaultConfig()), "", 0, docs)
	return b.String()
}

func renderSection(b *strings.Builder, v reflect.Value, prefix string, depth int, docs map[string]setting) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		path := tag
		if prefix != "" {
			path = prefix + "." + tag
		}
		line := strings.Repeat("  ", depth) + tag + ":"
		fv := v.Field(i)
		if fv.Kind() != reflect.Struct {
			line += " " + renderValue(fv)
		}
		s := docs[path]
		var parts []string
		if s.doc != "" {
			parts = append(parts, s.doc)
		}
		if s.rule != nil && fv.Kind() == reflect.Map {
			parts = append(parts, "each "+s.rule.String())
		} else if s.rule != nil {
			parts = append(parts, s.rule.String())
		}
		comment := strings.Join(parts, "; ")
		if comment != "" {
			line += strings.Repeat(" ", max(2, 30-len(line))) + "# " + comment
		}
		b.WriteString(line + "\n")
		if fv.Kind() == reflect.Struct {
			renderSection(b, fv, path, depth+1, docs)
		}
	}
}

// renderValue writes a default as YAML: durations with their unit, maps in flow style with
// sorted keys.
func renderValue(v reflect.Value) string {
	if durationTypes[v.Type()] {
		return formatDuration(timeDuration(v))
	}
	switch v.Kind() {
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k.String() + ": " + renderValue(v.MapIndex(k))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case reflect.Slice:
		if v.Len() == 0 {
			return "[]"
		}
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.String:
		if v.String() == "" {
			return `""`
		}
	}
	out, err := yaml.Marshal(v.Interface())
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(out))
}

// readmeReference returns README.md's text and the bounds of its configuration reference
// (the ```yaml block that starts with addr:).
func readmeReference(t *testing.T) (readme string, start, end int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start = strings.Index(s, "```yaml\naddr:")
	if start < 0 {
		t.Fatal("no configuration reference (```yaml block starting with addr:) in README.md")
	}
	start += len("```yaml\n")
	end = start + strings.Index(s[start:], "```")
	return s, start, end
}

// README.md's configuration reference is rendered from the schema and the defaults: every
// key, its default, its doc and its range.
func TestConfig_READMEReferenceIsTheSchema(t *testing.T) {
	readme, start, end := readmeReference(t)
	want := renderReference()
	if *updateREADME {
		if err := os.WriteFile(filepath.Join("..", "..", "README.md"), []byte(readme[:start]+want+readme[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := readme[start:end]; got != want {
		t.Errorf("README.md's configuration reference is not the schema's; run go test ./cmd/recd -run TestConfig_READMEReferenceIsTheSchema -update-readme\n got:\n%s\nwant:\n%s", got, want)
	}
}
