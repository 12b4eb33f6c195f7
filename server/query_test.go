package server_test

import (
	"testing"

	"github.com/recd/recd/service"
)

// TestAPI_QueryMatched: POST /v1/query says whether the request's own terms shaped the
// list ("matched": true) or nothing matched and the items are the fallback ("matched":
// false, popular items for an anonymous request, the user's recommendations for a user).
func TestAPI_QueryMatched(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	tests := []struct {
		name, text, user string
		matched          bool
		strategy         string
	}{
		{"category word", "comedy", "", true, ""},
		{"title word", "item", "", true, ""},
		{"liked title", "something like Item 3", "", true, ""},
		{"exclusion only", "anything but not comedy", "", true, ""},
		{"nonsense", "zzqxv florp", "", false, "popularity"},
		{"nonsense for a user", "zzqxv florp", "u1", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"text": tt.text, "n": 5}
			if tt.user != "" {
				body["user_id"] = tt.user
			}
			r := do(t, h, "POST", "/v1/query", "application/json", body)
			got := ids(t, r)
			if m, ok := r.Body["matched"].(bool); !ok || m != tt.matched {
				t.Errorf("matched = %v, want %v (%s)", r.Body["matched"], tt.matched, r.Raw)
			}
			if tt.strategy != "" && r.Body["strategy"] != tt.strategy {
				t.Errorf("strategy = %v, want %s", r.Body["strategy"], tt.strategy)
			}
			if !tt.matched && len(got) == 0 {
				t.Errorf("nothing matched and no fallback items: %s", r.Raw)
			}
		})
	}
}
