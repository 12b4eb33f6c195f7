package hnsw

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/recd/recd/index"
)

// TestIndex_SearchDuringBulkUpsert runs searches while one large batch is linked chunk by
// chunk (run with -race): searches must succeed throughout and every vector must be found
// by its own query once the batch is done.
func TestIndex_SearchDuringBulkUpsert(t *testing.T) {
	o := testOptions()
	o.Workers = 2
	ix, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n, dim = 3000, 8
	data := clustered(6, n, dim)
	if err := ix.CreateSpace(ctx, index.SpaceConfig{Name: "v", Dim: dim, Metric: index.Dot}); err != nil {
		t.Fatal(err)
	}
	pts := make([]index.Point, n)
	for i := range pts {
		pts[i] = index.Point{ID: strconv.Itoa(i), Vectors: map[string][]float32{"v": data[i*dim : (i+1)*dim]}}
	}
	var done atomic.Bool
	var searches atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; !done.Load() || i < 20; i += 2 {
				q := data[(i%n)*dim : (i%n+1)*dim]
				if _, err := ix.Search(ctx, index.SearchRequest{Space: "v", Vector: q, K: 5}); err != nil {
					t.Error(err)
					return
				}
				searches.Add(1)
			}
		}(w)
	}
	if err := ix.Upsert(ctx, pts); err != nil {
		t.Fatal(err)
	}
	done.Store(true)
	wg.Wait()
	missed := 0
	for i := 0; i < n; i += 10 {
		hits, err := ix.Search(ctx, index.SearchRequest{Space: "v", Vector: data[i*dim : (i+1)*dim], K: 10, Ef: 200})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range hits {
			found = found || h.ID == strconv.Itoa(i)
		}
		if !found {
			missed++
		}
	}
	if missed > 3 {
		t.Errorf("%d of %d vectors not found by their own query after a bulk upsert", missed, n/10)
	}
	if searches.Load() == 0 {
		t.Error("no search ran")
	}
}
