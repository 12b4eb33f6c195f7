package indextest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/recd/recd/index"
)

func sv(pairs ...float32) index.SparseVector {
	var v index.SparseVector
	for i := 0; i < len(pairs); i += 2 {
		v.Indices = append(v.Indices, uint32(pairs[i]))
		v.Values = append(v.Values, pairs[i+1])
	}
	return v
}

func testSparse(t *testing.T, ix index.Index) {
	mustCreate(t, ix,
		index.SpaceConfig{Name: "s", Metric: index.Dot, Sparse: true},
		index.SpaceConfig{Name: "sc", Metric: index.Cosine, Sparse: true})
	docs := map[string]index.SparseVector{
		"d1": sv(1, 1, 5, 2),
		"d2": sv(5, 1, 9, 3),
		"d3": sv(2, 4),
		"d4": sv(9, 0.5, 100000, 7),
	}
	for id, v := range docs {
		mustUpsert(t, ix, index.Point{ID: id, Sparse: map[string]index.SparseVector{"s": v, "sc": v},
			Payload: index.Payload{Categories: []string{id}}})
	}
	q := sv(5, 1, 9, 1)
	t.Run("dot", func(t *testing.T) {
		hits := mustSearch(t, ix, index.SearchRequest{Space: "s", Sparse: &q, K: 3})
		want := []index.Hit{{ID: "d2", Score: 4}, {ID: "d1", Score: 2}, {ID: "d4", Score: 0.5}}
		if len(hits) != 3 {
			t.Fatalf("hits = %v, want %v", hits, want)
		}
		for i := range want {
			if hits[i].ID != want[i].ID || !approx(float64(hits[i].Score), float64(want[i].Score)) {
				t.Fatalf("hits = %v, want %v", hits, want)
			}
		}
	})
	t.Run("cosine", func(t *testing.T) {
		hits := mustSearch(t, ix, index.SearchRequest{Space: "sc", Sparse: &q, K: 1})
		want := 4 / (math.Sqrt(10) * math.Sqrt2)
		if len(hits) != 1 || hits[0].ID != "d2" || !approx(float64(hits[0].Score), want) {
			t.Fatalf("hits = %v, want d2 %.4f", hits, want)
		}
	})
	t.Run("filter and threshold", func(t *testing.T) {
		hits := mustSearch(t, ix, index.SearchRequest{Space: "s", Sparse: &q, K: 3, Filter: &index.Filter{ExcludeCategories: []string{"d2"}}})
		if len(hits) < 1 || hits[0].ID != "d1" || has(ids(hits), "d2") {
			t.Fatalf("hits = %v, want d1 first and no d2", hits)
		}
		th := float32(1)
		hits = mustSearch(t, ix, index.SearchRequest{Space: "s", Sparse: &q, K: 3, Threshold: &th})
		if !equalStrings(ids(hits), []string{"d2", "d1"}) {
			t.Fatalf("threshold 1: %v, want [d2 d1]", hits)
		}
	})
	t.Run("replace and delete", func(t *testing.T) {
		mustUpsert(t, ix, index.Point{ID: "d1", Sparse: map[string]index.SparseVector{"s": sv(9, 10)}})
		hits := mustSearch(t, ix, index.SearchRequest{Space: "s", Sparse: &q, K: 1})
		if hits[0].ID != "d1" || !approx(float64(hits[0].Score), 10) {
			t.Fatalf("after replace: %v, want d1 10", hits)
		}
		if err := ix.Delete(ctx, []string{"d1", "d2"}); err != nil {
			t.Fatal(err)
		}
		hits = mustSearch(t, ix, index.SearchRequest{Space: "s", Sparse: &q, K: 3})
		if !equalStrings(ids(hits), []string{"d4"}) {
			t.Fatalf("after delete: %v, want [d4]", hits)
		}
		if got := count(t, ix, "s"); got != 2 {
			t.Fatalf("count = %d, want 2", got)
		}
	})
	t.Run("many documents", func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		var pts []index.Point
		for i := 0; i < 300; i++ {
			v := sv(float32(r.IntN(10)), 1, float32(10+r.IntN(10)), float32(r.IntN(5)+1))
			pts = append(pts, index.Point{ID: fmt.Sprintf("m%d", i), Sparse: map[string]index.SparseVector{"s": v}})
		}
		mustUpsert(t, ix, pts...)
		q := sv(15, 1)
		hits := mustSearch(t, ix, index.SearchRequest{Space: "s", Sparse: &q, K: 5})
		for _, h := range hits {
			if h.Score != 5 {
				t.Fatalf("top hits for index 15 should all score 5 (value 5 exists): %v", hits)
			}
		}
	})
}

// testConcurrency runs searches while other goroutines upsert and delete; run it with -race.
func testConcurrency(t *testing.T, ix index.Index) {
	r := rand.New(rand.NewPCG(9, 10))
	items := makeItems(r, 600, 8, 0)
	mustCreate(t, ix, index.SpaceConfig{Name: "v", Dim: 8, Metric: index.Cosine},
		index.SpaceConfig{Name: "s", Metric: index.Dot, Sparse: true})
	upsertItems(t, ix, "v", items[:300])
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			if err := concurrentWrites(ix, items, w); err != nil {
				errs <- err
			}
		}(w)
	}
	for s := 0; s < 3; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			if err := concurrentSearches(ix, s); err != nil {
				errs <- err
			}
		}(s)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// 300 concurrent inserts, minus the 30 deletes of items that were in the index.
	if got := count(t, ix, "v"); got != 570 {
		t.Errorf("count after concurrent writes = %d, want 570", got)
	}
	for i, it := range items[300:] {
		if j := i + 300; j <= 440 && j%10 == 0 {
			continue // deleted by a writer
		}
		got, err := ix.Vectors(ctx, "v", []string{it.id})
		if err != nil || len(got) != 1 {
			t.Fatalf("Vectors(%s) = %v, %v after concurrent upserts", it.id, got, err)
		}
	}
}

// concurrentWrites is writer w of testConcurrency: it upserts every other item from 300 on
// and deletes the item 150 before every tenth.
func concurrentWrites(ix index.Index, items []item, w int) error {
	for i := 300 + w; i < 600; i += 2 {
		it := items[i]
		p := index.Point{ID: it.id, Vectors: map[string][]float32{"v": it.v},
			Sparse: map[string]index.SparseVector{"s": sv(float32(i%13), 1)}, Payload: index.Payload{Available: it.av}}
		if err := ix.Upsert(ctx, []index.Point{p}); err != nil {
			return err
		}
		if i%10 == 0 {
			if err := ix.Delete(ctx, []string{items[i-150].id}); err != nil {
				return err
			}
		}
	}
	return nil
}

// concurrentSearches is searcher s of testConcurrency: dense, filtered and sparse searches
// whose hits must stay within K and sorted while writers change the index.
func concurrentSearches(ix index.Index, s int) error {
	rr := rand.New(rand.NewPCG(uint64(s), 11))
	for i := 0; i < 150; i++ {
		req := index.SearchRequest{Space: "v", Vector: randVec(rr, 8), K: 10}
		if i%3 == 0 {
			req.Filter = &index.Filter{AvailableOnly: true}
		}
		if i%5 == 0 {
			q := sv(float32(i%13), 1)
			req = index.SearchRequest{Space: "s", Sparse: &q, K: 5}
		}
		hits, err := ix.Search(ctx, req)
		if err != nil {
			return err
		}
		if len(hits) > req.K {
			return fmt.Errorf("%d hits for K=%d", len(hits), req.K)
		}
		for j := 1; j < len(hits); j++ {
			if hits[j].Score > hits[j-1].Score {
				return fmt.Errorf("unsorted hits %v", hits)
			}
		}
		if _, err := ix.Spaces(ctx); err != nil {
			return err
		}
	}
	return nil
}
