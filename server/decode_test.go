package server_test

import (
	"testing"

	"github.com/recd/recd/service"
)

// TestAPI_BodyFieldSpelling: JSON bodies name lists in the plural, query strings repeat the
// singular; a body field that is the other spelling gets an error naming the right one, and
// any other unknown field stays "not a known field".
func TestAPI_BodyFieldSpelling(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	tests := []struct {
		name, method, path, body, field, msg string
	}{
		{"filter", "POST", "/v1/recommendations", `{"user_id":"u1","filter":["year>=1990"]}`,
			"filter", "is not a field of this body; use `filters`"},
		{"boost", "POST", "/v1/recommendations", `{"user_id":"u1","boost":["category=scifi^2"]}`,
			"boost", "is not a field of this body; use `boosts`"},
		{"category", "POST", "/v1/recommendations", `{"user_id":"u1","category":["scifi"]}`,
			"category", "is not a field of this body; use `categories`"},
		{"exclude_category", "POST", "/v1/recommendations", `{"user_id":"u1","exclude_category":["scifi"]}`,
			"exclude_category", "is not a field of this body; use `exclude_categories`"},
		{"item category", "PUT", "/v1/items/sp-1", `{"title":"x","category":["scifi"]}`,
			"category", "is not a field of this body; use `categories`"},
		{"unrelated field", "POST", "/v1/recommendations", `{"user_id":"u1","colour":"red"}`,
			"colour", "is not a known field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, h, tt.method, tt.path, "application/json", tt.body)
			checkFieldError(t, r, tt.field, tt.msg)
		})
	}
	// The body's own spelling works.
	r := do(t, h, "POST", "/v1/recommendations", "application/json",
		`{"user_id":"u1","filters":["available=true"],"boosts":["category=scifi^2"],"categories":["scifi"],"exclude_categories":["comedy"]}`)
	if r.Status != 200 {
		t.Errorf("plural body = %d %s", r.Status, r.Raw)
	}
	// So does the query string's.
	r = do(t, h, "GET", "/v1/users/u1/recommendations?category=scifi&category=comedy&exclude_category=comedy&boost=category%3Dscifi%5E2", "", nil)
	if r.Status != 200 {
		t.Errorf("singular query = %d %s", r.Status, r.Raw)
	}
}

func TestAPI_NDJSONLineFieldSpelling(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	r := do(t, h, "POST", "/v1/items", "application/x-ndjson", "{\"id\":\"sp-2\",\"tag\":[\"x\"]}\n")
	rej, _ := r.Body["rejected"].([]any)
	if r.Status != 422 || len(rej) != 1 {
		t.Fatalf("= %d %s", r.Status, r.Raw)
	}
	e := rej[0].(map[string]any)["error"].(map[string]any)
	if e["field"] != "tag" || e["message"] != "tag: is not a field of this body; use `tags`" {
		t.Errorf("rejection %v, want tag naming tags", e)
	}
}
