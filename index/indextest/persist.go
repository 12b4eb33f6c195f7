package indextest

import (
	"math/rand/v2"
	"testing"

	"github.com/recd/recd/index"
)

// RunPersistence checks an index.Snapshotter: what Save writes, open(dir) loads back with
// the same spaces, vectors, payloads, deletions and search results. open must open (or
// create) the index persisted in dir.
func RunPersistence(t *testing.T, open func(t *testing.T, dir string) index.Index) {
	dir := t.TempDir()
	ix := open(t, dir)
	snap, ok := ix.(index.Snapshotter)
	if !ok {
		t.Fatalf("%T does not implement index.Snapshotter", ix)
	}
	if got := snap.LoadedSeq(); got != 0 {
		t.Fatalf("LoadedSeq of a new index = %d, want 0", got)
	}
	r := rand.New(rand.NewPCG(12, 13))
	items := makeItems(r, 500, 8, 10)
	mustCreate(t, ix,
		index.SpaceConfig{Name: "v", Dim: 8, Metric: index.Cosine},
		index.SpaceConfig{Name: "l", Dim: 8, Metric: index.L2},
		index.SpaceConfig{Name: "s", Metric: index.Dot, Sparse: true})
	upsertItems(t, ix, "v", items)
	upsertItems(t, ix, "l", items[:100])
	mustUpsert(t, ix, index.Point{ID: "sp", Sparse: map[string]index.SparseVector{"s": sv(3, 2, 7, 1)}, Payload: index.Payload{Categories: []string{"rare"}}})
	if err := ix.Delete(ctx, []string{items[0].id, items[1].id}); err != nil {
		t.Fatal(err)
	}
	queries := make([][]float32, 10)
	for i := range queries {
		queries[i] = randVec(r, 8)
	}
	rare, avail := &index.Filter{Categories: []string{"rare"}}, &index.Filter{AvailableOnly: true}
	search := func(ix index.Index) [][]index.Hit {
		var out [][]index.Hit
		for _, q := range queries {
			out = append(out,
				mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: q, K: 10}),
				mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: q, K: 5, Filter: rare}),
				mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: q, K: 5, Filter: avail}),
				mustSearch(t, ix, index.SearchRequest{Space: "l", Vector: q, K: 5}))
		}
		sq := sv(3, 1)
		return append(out, mustSearch(t, ix, index.SearchRequest{Space: "s", Sparse: &sq, K: 5}))
	}
	before := search(ix)
	if err := snap.Save(42); err != nil {
		t.Fatalf("Save: %v", err)
	}
	again := open(t, dir)
	if got := again.(index.Snapshotter).LoadedSeq(); got != 42 {
		t.Fatalf("LoadedSeq after reopen = %d, want 42", got)
	}
	for _, s := range []string{"v", "l", "s"} {
		if a, b := count(t, ix, s), count(t, again, s); a != b {
			t.Errorf("count(%s) = %d after reopen, want %d", s, b, a)
		}
	}
	after := search(again)
	for i := range before {
		if !equalStrings(sortedIDs(before[i]), sortedIDs(after[i])) {
			t.Fatalf("search %d differs after reopen:\n got %v\nwant %v", i, after[i], before[i])
		}
		for j := range before[i] {
			if !approx(float64(before[i][j].Score), float64(after[i][j].Score)) {
				t.Fatalf("search %d scores differ after reopen:\n got %v\nwant %v", i, after[i], before[i])
			}
		}
	}
	vs, err := again.Vectors(ctx, "l", []string{items[5].id, items[0].id})
	if err != nil || len(vs) != 1 || !equalFloats(vs[items[5].id], items[5].v) {
		t.Errorf("Vectors after reopen = %v, %v; want only %s", vs, err, items[5].id)
	}
	// The reopened index takes writes, including re-inserting a deleted id.
	mustUpsert(t, again, index.Point{ID: items[0].id, Vectors: map[string][]float32{"v": queries[0]}})
	hits := mustSearch(t, again, index.SearchRequest{Space: "v", Vector: queries[0], K: 1})
	if len(hits) != 1 || hits[0].ID != items[0].id || !approx(float64(hits[0].Score), 1) {
		t.Errorf("after re-upsert on the reopened index: %v, want %s with score 1", hits, items[0].id)
	}
	if err := again.(index.Snapshotter).Save(43); err != nil {
		t.Fatalf("second Save: %v", err)
	}
	if got := open(t, dir).(index.Snapshotter).LoadedSeq(); got != 43 {
		t.Errorf("LoadedSeq after second save = %d, want 43", got)
	}
}
