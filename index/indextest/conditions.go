package indextest

import (
	"slices"
	"testing"

	"github.com/recd/recd/cond"
	"github.com/recd/recd/cond/condtest"
	"github.com/recd/recd/index"
)

// testConditionTable pushes every condition of package cond's conformance table down into
// searches of a dense and a sparse space holding the table's items, and checks that the hits
// are exactly the items the table says the condition matches. Every item scores above zero
// and K exceeds the item count, so a hit is missing only because the filter rejected it.
func testConditionTable(t *testing.T, ix index.Index) {
	items := condtest.Items()
	mustCreate(t, ix, index.SpaceConfig{Name: "dense", Dim: 3, Metric: index.Cosine},
		index.SpaceConfig{Name: "sparse", Metric: index.Dot, Sparse: true})
	pts := make([]index.Point, len(items))
	for i, it := range items {
		pts[i] = index.Point{
			ID:      it.ID,
			Vectors: map[string][]float32{"dense": {1, float32(i) / 10, 0.5}},
			Sparse:  map[string]index.SparseVector{"sparse": {Indices: []uint32{0, uint32(i + 1)}, Values: []float32{1, 0.5}}},
			Payload: index.Payload{Attributes: it.Attributes},
		}
	}
	mustUpsert(t, ix, pts...)
	k := len(items) + 5
	searches := map[string]index.SearchRequest{
		"dense":  {Space: "dense", Vector: []float32{1, 0.2, 0.5}, K: k},
		"sparse": {Space: "sparse", Sparse: &index.SparseVector{Indices: []uint32{0}, Values: []float32{1}}, K: k},
	}
	for _, space := range []string{"dense", "sparse"} {
		t.Run(space, func(t *testing.T) {
			for _, tc := range condtest.Cases() {
				req := searches[space]
				req.Filter = &index.Filter{Conditions: []cond.Condition{tc.Cond}}
				got := sortedIDs(mustSearch(t, ix, req))
				want := slices.Clone(tc.Want)
				if want == nil {
					want = []string{}
				}
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s: %+v: hits %v, want %v", tc.Name, tc.Cond, got, want)
				}
			}
		})
	}
}
