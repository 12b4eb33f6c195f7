package readmetest

import (
	"fmt"
	"strings"
)

// shapeRule ties a JSON sample of the README (found by the prose line just before it) to the
// examples whose answers must have its shape.
type shapeRule struct {
	caption string                            // a piece of that prose line
	applies func(ex example, status int) bool // which answers the sample describes
	// optional names the sample's keys an answer may leave out, by path ("answer.error.field").
	optional map[string]bool
}

var shapeRules = []shapeRule{
	{caption: "A recommendation response", applies: func(ex example, status int) bool {
		return status/100 == 2 && strings.Contains(ex.cmd, "/recommendations")
	}},
	{caption: "changes nothing", applies: func(_ example, status int) bool { return status >= 400 },
		optional: map[string]bool{"answer.error.field": true}}, // only errors about a field name one
}

// sampleFor returns the README's JSON sample for a rule.
func (d readmeDoc) sampleFor(r shapeRule) (any, error) {
	for _, b := range d.jsons {
		if strings.Contains(b.caption, r.caption) {
			return b.value, nil
		}
	}
	return nil, fmt.Errorf("README.md has no json block after a line containing %q", r.caption)
}

// matchShape reports where got lacks the shape of want: every key of a sample object must be
// in the answer with a value of the same JSON type, and the first element of a sample array
// must match some element of the answer's array. Values themselves are not compared.
// Keys whose path is in optional may be missing.
func matchShape(path string, want, got any, optional map[string]bool) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %T", path, got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok && optional[path+"."+k] {
				continue
			}
			if !ok {
				return fmt.Errorf("%s.%s: missing", path, k)
			}
			if err := matchShape(path+"."+k, wv, gv, optional); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Errorf("%s: want an array, got %T", path, got)
		}
		if len(w) == 0 {
			return nil
		}
		var firstErr error = fmt.Errorf("%s: empty, the README shows elements", path)
		for i, gv := range g {
			err := matchShape(fmt.Sprintf("%s[%d]", path, i), w[0], gv, optional)
			if err == nil {
				return nil
			}
			if i == 0 {
				firstErr = err
			}
		}
		return firstErr
	case string, float64, bool:
		if fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
			return fmt.Errorf("%s: want a %T, got %T", path, want, got)
		}
	}
	return nil
}
