package server_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/recd/recd/service"
)

// TestAPI_SimilarEverySpace: every space GET /v1/spaces lists, dense or sparse, answers
// similar items; the sparse content space finds the items that share the query item's words.
func TestAPI_SimilarEverySpace(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	r := do(t, h, "GET", "/v1/spaces", "", nil)
	spaces, _ := r.Body["spaces"].([]any)
	var names []string
	for _, sp := range spaces {
		m := sp.(map[string]any)
		if m["count"].(float64) > 0 {
			names = append(names, m["name"].(string))
		}
	}
	if !slices.Contains(names, "content_sparse") {
		t.Fatalf("the fixture has no content_sparse vectors: %s", r.Raw)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			got := ids(t, do(t, h, "GET", "/v1/items/i0/similar?n=4&by="+name, "", nil))
			if len(got) == 0 || slices.Contains(got, "i0") {
				t.Errorf("similar to i0 by %s: %v, want some items other than i0", name, got)
			}
		})
	}
	// i0..i4 are scifi, i5..i9 comedy: by words, i0's neighbours are the other scifi items.
	got := ids(t, do(t, h, "GET", "/v1/items/i0/similar?n=4&by=content_sparse", "", nil))
	slices.Sort(got)
	if want := []string{"i1", "i2", "i3", "i4"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("similar to i0 by content_sparse = %v, want %v", got, want)
	}
	for _, id := range ids(t, do(t, h, "GET", "/v1/items/i0/similar?n=4&by=content_sparse&category=comedy", "", nil)) {
		if id < "i5" {
			t.Errorf("within comedy: %s is scifi", id)
		}
	}
}
