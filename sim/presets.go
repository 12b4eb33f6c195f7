package sim

import (
	"encoding/json"
	"fmt"
	"strings"
)

// presets are the variants the command names: "popular" ranks by popularity alone, "hybrid"
// serves the server's default blend (no overrides).
var presets = map[string]map[string]any{
	"popular": {"sources": []string{"popular"}},
	"hybrid":  nil,
}

// ParseVariant reads a variant as a preset name ("popular", "hybrid") or as NAME=JSON, the
// JSON being the variant's overrides ("diverse={\"diversity\":0.5}"); weight is its traffic
// share.
func ParseVariant(s string, weight float64) (Variant, error) {
	if name, js, ok := strings.Cut(s, "="); ok {
		var o map[string]any
		if err := json.Unmarshal([]byte(js), &o); err != nil {
			return Variant{}, fmt.Errorf("sim: variant %s: overrides: %w", name, err)
		}
		return Variant{Name: name, Weight: weight, Overrides: o}, nil
	}
	o, ok := presets[s]
	if !ok {
		return Variant{}, fmt.Errorf("sim: unknown variant %q (popular, hybrid, or NAME=JSON overrides)", s)
	}
	return Variant{Name: s, Weight: weight, Overrides: o}, nil
}
