package server_test

import (
	"testing"

	"github.com/recd/recd/service"
)

// TestAPI_NumericParamRanges: every numeric query parameter has one range, taken from the
// limits, on every route, and one message for a value outside it, below or above; a JSON
// body's n is held to the same range with the same message.
func TestAPI_NumericParamRanges(t *testing.T) {
	opts := service.DefaultOptions()
	opts.Limits.MaxN = 50
	_, h := fixture(t, opts) // the server's MaxPageSize is the default, 1000
	tests := []struct {
		path, field, msg string
	}{
		{"/v1/popular?n=0", "n", "must be between 1 and 50"},
		{"/v1/popular?n=5000", "n", "must be between 1 and 50"},
		{"/v1/trending?n=51", "n", "must be between 1 and 50"},
		{"/v1/items/i1/similar?n=0", "n", "must be between 1 and 50"},
		{"/v1/items/i1/similar?n=1048577", "n", "must be between 1 and 50"},
		{"/v1/users/u1/recommendations?n=-3", "n", "must be between 1 and 50"},
		{"/v1/users/u1/recommendations?n=5000", "n", "must be between 1 and 50"},
		{"/v1/items?limit=0", "limit", "must be between 1 and 1000"},
		{"/v1/users/u1/events?limit=1001", "limit", "must be between 1 and 1000"},
		{"/v1/users/u1/recommendations?diversity=5", "diversity", "must be between 0 and 1"},
		{"/v1/users/u1/recommendations?calibration=-0.5", "calibration", "must be between 0 and 1"},
		{"/v1/users/u1/recommendations?session_weight=1.5", "session_weight", "must be between 0 and 1"},
		{"/v1/users/u1/recommendations?exposure_strength=11", "exposure_strength", "must be between 0 and 10"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := do(t, h, "GET", tt.path, "", nil)
			checkFieldError(t, r, tt.field, tt.msg)
		})
	}
	for _, n := range []int{0, 5000} {
		r := do(t, h, "POST", "/v1/recommendations", "application/json", map[string]any{"user_id": "u1", "n": n})
		checkFieldError(t, r, "n", "must be between 1 and 50")
	}
	for _, path := range []string{"/v1/popular?n=50", "/v1/users/u1/recommendations?n=1&diversity=1&exposure_strength=10",
		"/v1/items?limit=1000"} {
		if r := do(t, h, "GET", path, "", nil); r.Status != 200 {
			t.Errorf("%s = %d %s, want 200 at the bounds", path, r.Status, r.Raw)
		}
	}
}

func checkFieldError(t *testing.T, r response, field, msg string) {
	t.Helper()
	e, _ := r.Body["error"].(map[string]any)
	if r.Status != 400 || e["field"] != field || e["message"] != field+": "+msg {
		t.Errorf("= %d %s, want 400 on field %s saying %q", r.Status, r.Raw, field, msg)
	}
}
