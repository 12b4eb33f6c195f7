package server_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd/server"
)

// openapiOut is where TestOpenAPI_Write writes the document (scripts/openapi-lint.sh sets it).
var openapiOut = flag.String("openapi.out", "", "write the OpenAPI document to this file")

// TestOpenAPI_Write writes the document for outside linters when -openapi.out is given.
func TestOpenAPI_Write(t *testing.T) {
	if *openapiOut == "" {
		t.Skip("no -openapi.out")
	}
	js, err := json.MarshalIndent(server.OpenAPI(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*openapiOut, append(js, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// schemaCheck validates JSON values against the document's schemas: the subset of JSON
// Schema the document uses ($ref, type, properties, required, additionalProperties, items,
// minItems, maxItems, maxLength, minimum, maximum, enum, oneOf, format date-time, readOnly).
// In request mode a readOnly property is never required.
type schemaCheck struct {
	doc     map[string]any
	request bool
}

func (sc schemaCheck) resolve(s map[string]any) map[string]any {
	for {
		r, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name := strings.TrimPrefix(r, "#/components/schemas/")
		s = sc.doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	}
}

// check returns the places where v breaks schema s, path naming the place.
func (sc schemaCheck) check(path string, s map[string]any, v any) []string {
	s = sc.resolve(s)
	if alts, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, a := range alts {
			if len(sc.check(path, a.(map[string]any), v)) == 0 {
				n++
			}
		}
		if n != 1 {
			return []string{fmt.Sprintf("%s: matches %d of oneOf's %d schemas", path, n, len(alts))}
		}
		return nil
	}
	if e, ok := s["enum"]; ok && !slices.Contains(anys(e), v) {
		return []string{fmt.Sprintf("%s: %v is not one of %v", path, v, e)}
	}
	switch typ, _ := s["type"].(string); typ {
	case "object":
		return sc.object(path, s, v)
	case "array":
		return sc.array(path, s, v)
	case "string":
		return sc.str(path, s, v)
	case "number", "integer":
		return sc.number(path, s, v, typ)
	case "boolean":
		if _, ok := v.(bool); !ok {
			return []string{fmt.Sprintf("%s: %v is not a boolean", path, v)}
		}
	}
	return nil
}

func anys(e any) []any {
	var out []any
	switch e := e.(type) {
	case []string:
		for _, s := range e {
			out = append(out, s)
		}
	case []any:
		out = e
	}
	return out
}

func (sc schemaCheck) object(path string, s map[string]any, v any) []string {
	o, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: %v is not an object", path, v)}
	}
	props, _ := s["properties"].(map[string]any)
	var errs []string
	req, _ := s["required"].([]string)
	for _, name := range req {
		p, _ := props[name].(map[string]any)
		if _, ok := o[name]; !ok && !(sc.request && p["readOnly"] == true) {
			errs = append(errs, fmt.Sprintf("%s: required %q is missing", path, name))
		}
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if p, ok := props[k].(map[string]any); ok {
			errs = append(errs, sc.check(path+"."+k, p, o[k])...)
			continue
		}
		switch ap := s["additionalProperties"].(type) {
		case map[string]any:
			errs = append(errs, sc.check(path+"."+k, ap, o[k])...)
		case bool:
			if !ap {
				errs = append(errs, fmt.Sprintf("%s: %q is not declared", path, k))
			}
		default: // absent: the document always says; treat as undeclared
			errs = append(errs, fmt.Sprintf("%s: %q is not declared", path, k))
		}
	}
	return errs
}

func (sc schemaCheck) array(path string, s map[string]any, v any) []string {
	a, ok := v.([]any)
	if !ok {
		return []string{fmt.Sprintf("%s: %v is not an array", path, v)}
	}
	var errs []string
	if m, ok := s["minItems"].(int); ok && len(a) < m {
		errs = append(errs, fmt.Sprintf("%s: %d items, fewer than %d", path, len(a), m))
	}
	if m, ok := s["maxItems"].(int); ok && len(a) > m {
		errs = append(errs, fmt.Sprintf("%s: %d items, more than %d", path, len(a), m))
	}
	items, _ := s["items"].(map[string]any)
	for i, x := range a {
		errs = append(errs, sc.check(fmt.Sprintf("%s[%d]", path, i), items, x)...)
	}
	return errs
}

func (sc schemaCheck) str(path string, s map[string]any, v any) []string {
	x, ok := v.(string)
	if !ok {
		return []string{fmt.Sprintf("%s: %v is not a string", path, v)}
	}
	if m, ok := s["maxLength"].(int); ok && len(x) > m {
		return []string{fmt.Sprintf("%s: longer than %d", path, m)}
	}
	if s["format"] == "date-time" {
		if _, err := time.Parse(time.RFC3339Nano, x); err != nil {
			return []string{fmt.Sprintf("%s: %q is not a date-time", path, x)}
		}
	}
	return nil
}

func (sc schemaCheck) number(path string, s map[string]any, v any, typ string) []string {
	x, ok := v.(float64)
	if !ok || (typ == "integer" && x != math.Trunc(x)) {
		return []string{fmt.Sprintf("%s: %v is not an %s", path, v, typ)}
	}
	if lo, ok := s["minimum"].(float64); ok && x < lo {
		return []string{fmt.Sprintf("%s: %v is below %v", path, x, lo)}
	}
	if hi, ok := s["maximum"].(float64); ok && x > hi {
		return []string{fmt.Sprintf("%s: %v is above %v", path, x, hi)}
	}
	return nil
}

func TestSchemaCheck(t *testing.T) {
	doc := server.OpenAPI()
	item := map[string]any{"$ref": "#/components/schemas/Item"}
	tests := []struct {
		name    string
		request bool
		body    string
		bad     bool
	}{
		{"answer with every required field", false, `{"id":"a","available":true,"created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}`, false},
		{"answer without a server-set field", false, `{"id":"a","available":true}`, true},
		{"request without server-set fields", true, `{"id":"a"}`, false},
		{"undeclared field", true, `{"id":"a","colour":"red"}`, true},
		{"wrong type", true, `{"id":"a","categories":"x"}`, true},
		{"bad date-time", false, `{"id":"a","created_at":"yesterday","updated_at":"2024-01-01T00:00:00Z"}`, true},
		{"id over its limit", true, `{"id":"` + strings.Repeat("x", 300) + `"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.body), &v); err != nil {
				t.Fatal(err)
			}
			errs := schemaCheck{doc, tt.request}.check("$", item, v)
			if got := len(errs) > 0; got != tt.bad {
				t.Errorf("check(%s) = %v, want bad=%v", tt.body, errs, tt.bad)
			}
		})
	}
}
