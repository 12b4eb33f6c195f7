package qdrant_test

import (
	"context"
	"slices"
	"testing"

	"github.com/recd/recd/index"
)

// TestIndex_FilterOnListAttribute: through the Qdrant backend (its filter translation and
// payload, against the protocol double unless QDRANT_ADDR names a real server), a condition
// on a list attribute matches an item holding the value among others, and ne and nin
// exclude it.
func TestIndex_FilterOnListAttribute(t *testing.T) {
	ix := open(t, testOptions(t))
	ctx := context.Background()
	if err := ix.CreateSpace(ctx, index.SpaceConfig{Name: "cf", Dim: 2, Metric: index.Cosine}); err != nil {
		t.Fatal(err)
	}
	pts := []index.Point{
		{ID: "both", Vectors: map[string][]float32{"cf": {1, 0}}, Payload: index.Payload{Attributes: map[string]any{"country": []any{"France", "Japan"}}}},
		{ID: "japan", Vectors: map[string][]float32{"cf": {1, 0.1}}, Payload: index.Payload{Attributes: map[string]any{"country": "Japan"}}},
		{ID: "france", Vectors: map[string][]float32{"cf": {1, 0.2}}, Payload: index.Payload{Attributes: map[string]any{"country": []string{"France"}}}},
		{ID: "none", Vectors: map[string][]float32{"cf": {1, 0.3}}},
	}
	if err := ix.Upsert(ctx, pts); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cond index.Condition
		want []string
	}{
		{index.Condition{Field: "country", Op: "eq", Value: "Japan"}, []string{"both", "japan"}},
		{index.Condition{Field: "country", Op: "in", Value: []any{"Japan", "Spain"}}, []string{"both", "japan"}},
		{index.Condition{Field: "country", Op: "ne", Value: "Japan"}, []string{"france", "none"}},
		{index.Condition{Field: "country", Op: "nin", Value: []any{"Japan"}}, []string{"france", "none"}},
	} {
		hits, err := ix.Search(ctx, index.SearchRequest{Space: "cf", Vector: []float32{1, 0}, K: 10,
			Filter: &index.Filter{Conditions: []index.Condition{tc.cond}}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: hits %v, want %v", tc.cond, got, tc.want)
		}
	}
}
