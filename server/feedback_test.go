package server_test

import (
	"strings"
	"testing"

	"github.com/recd/recd/service"
)

// Every recommendation, similar-items and query answer carries its own recommendation_id; an
// event that cites one is stored with it and the item's position, and GET of the user's
// events returns both; an event citing another user's list is refused with 400 naming the
// field, and nothing of its batch is stored.
func TestAPI_RecommendationIDsAndAttribution(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	seen := map[string]bool{}
	recID := func(r response) string {
		t.Helper()
		id, _ := r.Body["recommendation_id"].(string)
		if r.Status != 200 || len(id) != 26 || seen[id] {
			t.Fatalf("answer without a new 26-character recommendation_id: %d %s", r.Status, r.Raw)
		}
		seen[id] = true
		return id
	}
	recs := do(t, h, "GET", "/v1/users/u0/recommendations?n=3", "", nil)
	id := recID(recs)
	recID(do(t, h, "GET", "/v1/users/u0/recommendations?n=3", "", nil)) // the same list again: a new serving
	recID(do(t, h, "GET", "/v1/items/i0/similar?n=3", "", nil))
	recID(do(t, h, "POST", "/v1/query", "application/json", map[string]any{"text": "scifi", "user_id": "u0"}))
	items := ids(t, recs)

	if r := do(t, h, "POST", "/v1/events", "application/json", []map[string]any{
		{"user_id": "u0", "item_id": items[1], "type": "click", "recommendation_id": id}}); r.Status != 200 {
		t.Fatalf("POST event citing the list = %d %s", r.Status, r.Raw)
	}
	evs := do(t, h, "GET", "/v1/users/u0/events?limit=1", "", nil).Body["events"].([]any)
	got := evs[0].(map[string]any)
	if got["recommendation_id"] != id || got["position"] != float64(1) {
		t.Errorf("stored event %v, want recommendation_id %s at position 1", got, id)
	}

	before := len(do(t, h, "GET", "/v1/users/u1/events?limit=100", "", nil).Body["events"].([]any))
	r := do(t, h, "POST", "/v1/events", "application/json", []map[string]any{
		{"user_id": "u1", "item_id": items[0], "type": "view"},
		{"user_id": "u1", "item_id": items[1], "type": "click", "recommendation_id": id}})
	if r.Status != 400 || !strings.Contains(r.Raw, "[1].recommendation_id") {
		t.Errorf("event citing another user's list = %d %s, want 400 naming [1].recommendation_id", r.Status, r.Raw)
	}
	if after := len(do(t, h, "GET", "/v1/users/u1/events?limit=100", "", nil).Body["events"].([]any)); after != before {
		t.Errorf("a refused batch stored %d events", after-before)
	}
}
