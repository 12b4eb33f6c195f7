package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/recd/recd/service"
)

// GET /v1/recommendations/{recommendation_id}/next pages a served list without repeating an
// item, chains each page to the first, and refuses unknown ids (404), a session's list asked
// for without its session (404), malformed ids and n out of bounds (400), each naming the
// field.
func TestAPI_NextPages(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	first := do(t, h, "GET", "/v1/users/u0/recommendations?n=2", "", nil)
	if first.Status != 200 {
		t.Fatalf("recommendations = %d %s", first.Status, first.Raw)
	}
	shown := ids(t, first)
	id := first.Body["recommendation_id"].(string)
	for page := 2; page <= 4; page++ {
		r := do(t, h, "GET", "/v1/recommendations/"+id+"/next?n=2", "", nil)
		if r.Status != 200 {
			t.Fatalf("page %d = %d %s", page, r.Status, r.Raw)
		}
		got := ids(t, r)
		if len(got) == 0 && page < 4 {
			t.Fatalf("page %d is empty with items left", page)
		}
		for _, it := range got {
			if slices.Contains(shown, it) {
				t.Errorf("page %d repeats %s (shown: %v)", page, it, shown)
			}
		}
		shown = append(shown, got...)
		id = r.Body["recommendation_id"].(string)
	}
	if len(shown) != 7 { // 10 items, 3 in u0's history
		t.Errorf("four pages showed %v, want the 7 items u0 has not clicked", shown)
	}
	anon := do(t, h, "POST", "/v1/recommendations", "application/json",
		map[string]any{"session_id": "s1", "context_items": []string{"i1"}, "n": 2})
	anonID, _ := anon.Body["recommendation_id"].(string)
	for _, tc := range []struct {
		path   string
		status int
		field  string
	}{
		{"/v1/recommendations/01HZX3NDEKTSV4RRFFQ69G5FAV/next", 404, "recommendation_id"},
		{"/v1/recommendations/" + anonID + "/next", 404, "recommendation_id"},
		{"/v1/recommendations/" + anonID + "/next?session_id=s2", 404, "recommendation_id"},
		{"/v1/recommendations/not-an-id/next", 400, "recommendation_id"},
		{"/v1/recommendations/" + id + "/next?n=0", 400, "n"},
		{"/v1/recommendations/" + id + "/next?n=201", 400, "n"},
		{"/v1/recommendations/" + anonID + "/next?session_id=s1", 200, ""},
		{"/v1/users/u0/recommendations?rotation=1.5", 400, "rotation"},
		{"/v1/users/u0/recommendations?rotation=0.5", 200, ""},
	} {
		r := do(t, h, "GET", tc.path, "", nil)
		if r.Status != tc.status || (tc.field != "" && !strings.Contains(r.Raw, `"field":"`+tc.field+`"`)) {
			t.Errorf("GET %s = %d %s, want %d naming %q", tc.path, r.Status, r.Raw, tc.status, tc.field)
		}
	}
}
