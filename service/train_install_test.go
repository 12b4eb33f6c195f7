package service

import (
	"path/filepath"
	"testing"
	"unsafe"
)

// TestServing_ModelIDsAreTheCatalogs: the serving model's item ids are the catalog's own key
// strings (one copy of each), so that a request's catalog reads by those ids find their keys
// without comparing bytes, and so are the live histories'; the model's index still finds every
// item at its place.
func TestServing_ModelIDsAreTheCatalogs(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
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
