package hnsw

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/recd/recd/index"
)

// TestIndex_SearchFilteredWalk forces the filtered graph walk (no exact fallback) on a
// filter that passes 2% of the space and checks recall against the exact flat index.
func TestIndex_SearchFilteredWalk(t *testing.T) {
	o := testOptions()
	o.ExactBelow, o.ExactFraction = 0, 0
	ix, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	flat := index.NewFlat()
	ctx := context.Background()
	const n, dim = 3000, 16
	data := clustered(4, n, dim)
	for _, x := range []index.Index{ix, flat} {
		if err := x.CreateSpace(ctx, index.SpaceConfig{Name: "v", Dim: dim, Metric: index.Cosine}); err != nil {
			t.Fatal(err)
		}
		var pts []index.Point
		for i := 0; i < n; i++ {
			pts = append(pts, index.Point{ID: strconv.Itoa(i), Vectors: map[string][]float32{"v": data[i*dim : (i+1)*dim]},
				Payload: index.Payload{Categories: []string{strconv.Itoa(i % 50)}}})
		}
		if err := x.Upsert(ctx, pts); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	found, total := 0, 0
	for q := 0; q < 50; q++ {
		qv := data[r.IntN(n)*dim:][:dim]
		req := index.SearchRequest{Space: "v", Vector: qv, K: 10, Filter: &index.Filter{Categories: []string{strconv.Itoa(q % 50)}}}
		got, err := ix.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := flat.Search(ctx, req)
		in := map[string]bool{}
		for _, h := range want {
			in[h.ID] = true
		}
		for _, h := range got {
			if in[h.ID] {
				found++
			}
		}
		total += len(want)
	}
	if rec := float64(found) / float64(total); rec < 0.95 {
		t.Errorf("filtered walk recall@10 = %.3f, want >= 0.95", rec)
	}
}
