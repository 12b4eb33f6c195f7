package service_test

import (
	"context"
	"testing"

	"github.com/recd/recd/rank"
)

// TestSimilar_SparseSpace: the sparse content space answers similar items on the demo data,
// by the words of the item: Toy Story finds Toy Story 3.
func TestSimilar_SparseSpace(t *testing.T) {
	svc, _ := movieLens(t)
	ctx := context.Background()
	resp, err := svc.Similar(ctx, "1", 10, rank.SpaceContentSparse, nil)
	if err != nil || len(resp.Items) != 10 || resp.Strategy != rank.SpaceContentSparse {
		t.Fatalf("Similar by content_sparse = %v (%s), %v", resp.Items, resp.Strategy, err)
	}
	got := ids(resp.Items)
	if !has(got, "78499") { // Toy Story 3 (2010)
		t.Errorf("Toy Story 3 is not among the sparse neighbours of Toy Story: %v", got)
	}
	if has(got, "1") {
		t.Errorf("Toy Story is its own neighbour: %v", got)
	}
	for _, it := range resp.Items {
		if len(it.Reasons) == 0 || it.Reasons[0].Type != rank.ReasonSimilarTo {
			t.Errorf("%s has reasons %v, want similar_to", it.ID, it.Reasons)
		}
	}
}
