package service

import (
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/recd/recd/index"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/rank"
)

// TestServing_ModelIDsAreTheCatalogs: the serving model's item ids are the catalog's own key
// strings (one copy of each), so that a request's catalog reads by those ids find their keys
// without comparing bytes, and so are the vector index's and the live histories'; the model's
// index still finds every item at its place.
// The service checked is the second over the same store and index directory, whose index
// holds the ids it read from its snapshot.
func TestServing_ModelIDsAreTheCatalogs(t *testing.T) {
	dir := t.TempDir()
	withDir := func(o *Options) {
		idx, err := hnsw.Open(filepath.Join(dir, "index"), hnsw.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		o.Index, o.StateDir = idx, filepath.Join(dir, "index")
	}
	first := openTrained(t, filepath.Join(dir, "recd.db"), nil, "", withDir)
	if err := first.SaveIndex(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	s := openTrained(t, filepath.Join(dir, "recd.db"), nil, "", withDir)
	m := s.snap.Load().models
	keys := map[string]*byte{}
	s.mem.catMu.RLock()
	for id := range s.mem.catalog {
		keys[id] = unsafe.StringData(id)
	}
	s.mem.catMu.RUnlock()
	shared := 0
	for i, id := range m.Items {
		if m.ItemIndex[id] != int32(i) {
			t.Fatalf("ItemIndex[%s] = %d, want %d", id, m.ItemIndex[id], i)
		}
		p, ok := keys[id]
		if !ok {
			continue
		}
		if unsafe.StringData(id) != p {
			t.Fatalf("model item %d (%s) is a copy of the catalog's id", i, id)
		}
		shared++
	}
	if shared == 0 || len(m.ItemIndex) != len(m.Items) {
		t.Fatalf("%d of %d model ids in the catalog, index of %d", shared, len(m.Items), len(m.ItemIndex))
	}
	// So are the ids of the vector index's hits.
	vecs, err := s.vectors.idx.Vectors(t.Context(), rank.SpaceCF, []string{"i00"})
	if err != nil || len(vecs["i00"]) == 0 {
		t.Fatalf("no CF vector of i00: %v", err)
	}
	hits, err := s.vectors.idx.Search(t.Context(), index.SearchRequest{Space: rank.SpaceCF, Vector: vecs["i00"], K: 10})
	if err != nil || len(hits) != 10 {
		t.Fatalf("%d hits, %v", len(hits), err)
	}
	for _, h := range hits {
		if unsafe.StringData(h.ID) != keys[h.ID] {
			t.Fatalf("hit %s is a copy of the catalog's id", h.ID)
		}
	}
	// So are the ids of the users' live histories.
	h := s.live.History("u03")
	if len(h) == 0 {
		t.Fatal("u03 has no history")
	}
	for _, x := range h {
		if unsafe.StringData(x.ItemID) != keys[x.ItemID] {
			t.Fatalf("u03's history names %s by a copy of the catalog's id", x.ItemID)
		}
	}
}
