package hnsw

import (
	"context"
	"strconv"
	"testing"

	"github.com/recd/recd/index"
)

// TestIndex_DeleteAndCompact deletes most of a space (tombstones, then a rebuild once they
// outnumber live nodes) and checks that searches still find the true neighbours of the
// survivors and never return a deleted item.
func TestIndex_DeleteAndCompact(t *testing.T) {
	for _, compactMin := range []int{1 << 30, 100} {
		t.Run("compactMin="+strconv.Itoa(compactMin), func(t *testing.T) {
			o := testOptions()
			o.CompactMin = compactMin
			// One worker builds the same graph every run: with two, the graph (and so the
			// recall measured below) depends on how the scheduler interleaves the inserts.
			o.Workers = 1
			ix, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			flat := index.NewFlat()
			ctx := context.Background()
			const n, dim = 2000, 16
			data := clustered(5, n, dim)
			var del []string
			for _, x := range []index.Index{ix, flat} {
				if err := x.CreateSpace(ctx, index.SpaceConfig{Name: "v", Dim: dim, Metric: index.L2}); err != nil {
					t.Fatal(err)
				}
				var pts []index.Point
				for i := 0; i < n; i++ {
					pts = append(pts, index.Point{ID: strconv.Itoa(i), Vectors: map[string][]float32{"v": data[i*dim : (i+1)*dim]}})
				}
				if err := x.Upsert(ctx, pts); err != nil {
					t.Fatal(err)
				}
				del = del[:0]
				for i := 0; i < n; i++ {
					if i%4 != 0 {
						del = append(del, strconv.Itoa(i))
					}
				}
				if err := x.Delete(ctx, del); err != nil {
					t.Fatal(err)
				}
			}
			if got := ix.spaces["v"].g.size(); compactMin == 100 && got != n/4 {
				t.Errorf("graph holds %d nodes after compaction, want %d", got, n/4)
			}
			found, total := 0, 0
			for q := 0; q < 40; q++ {
				req := index.SearchRequest{Space: "v", Vector: data[(q*7)*dim : (q*7+1)*dim], K: 10}
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
					if id, _ := strconv.Atoi(h.ID); id%4 != 0 {
						t.Fatalf("deleted item %s returned", h.ID)
					}
					if in[h.ID] {
						found++
					}
				}
				total += len(want)
			}
			if rec := float64(found) / float64(total); rec < 0.95 {
				t.Errorf("recall@10 after deleting 75%% = %.3f, want >= 0.95", rec)
			}
		})
	}
}
