package storetest

import (
	"errors"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

func scanVectors(t *testing.T, s store.Store, after int64) []store.VectorRecord {
	t.Helper()
	var out []store.VectorRecord
	must(t, s.ScanVectors(t.Context(), after, func(r store.VectorRecord) error {
		out = append(out, r)
		return nil
	}), "ScanVectors")
	for i := 1; i < len(out); i++ {
		if out[i].Seq <= out[i-1].Seq {
			t.Fatalf("ScanVectors not in Seq order: %d after %d", out[i].Seq, out[i-1].Seq)
		}
	}
	for _, r := range out {
		if r.Seq <= after {
			t.Fatalf("ScanVectors(%d) returned seq %d", after, r.Seq)
		}
	}
	return out
}

func maxSeq(rs []store.VectorRecord) int64 {
	var m int64
	for _, r := range rs {
		m = max(m, r.Seq)
	}
	return m
}

// testItemVectors checks how PutItems treats vectors: nil keeps, a map replaces the set.
func testItemVectors(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	it := sampleItem("v")
	it.Vectors = map[string][]float32{"cf": {1, 2}, "content": {3, 4, 5}}
	must(t, s.PutItems(ctx, []recd.Item{it}), "PutItems")

	it.Vectors = nil
	it.Title = "retitled"
	must(t, s.PutItems(ctx, []recd.Item{it}), "PutItems without vectors")
	got, err := s.GetItem(ctx, "v")
	must(t, err, "GetItem")
	checkVectors(t, "v", got.Vectors, map[string][]float32{"cf": {1, 2}, "content": {3, 4, 5}})

	it.Vectors = map[string][]float32{"cf": {9, 9}}
	must(t, s.PutItems(ctx, []recd.Item{it}), "PutItems with one space")
	got, err = s.GetItem(ctx, "v")
	must(t, err, "GetItem")
	checkVectors(t, "v", got.Vectors, map[string][]float32{"cf": {9, 9}})

	it.Vectors = map[string][]float32{}
	must(t, s.PutItems(ctx, []recd.Item{it}), "PutItems with an empty vector map")
	got, err = s.GetItem(ctx, "v")
	must(t, err, "GetItem")
	checkVectors(t, "v", got.Vectors, nil)

	it.Vectors = map[string][]float32{"cf": {}}
	if err := s.PutItems(ctx, []recd.Item{it}); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("PutItems with an empty vector: err = %v, want ErrInvalid", err)
	}
}

// putVectorLog puts items a and b with vectors and c without, checks that exactly a's and b's
// three vectors are logged, and returns the items and the highest Seq logged.
func putVectorLog(t *testing.T, s *handle) (a, b recd.Item, h int64) {
	t.Helper()
	if got := scanVectors(t, s, 0); len(got) != 0 {
		t.Fatalf("empty store logs %v", got)
	}
	a, b, c := sampleItem("a"), sampleItem("b"), sampleItem("c")
	a.Vectors = map[string][]float32{"cf": {1, 0}, "content": {0.5, 0.5, 0}}
	b.Vectors = map[string][]float32{"cf": {0, 1}}
	must(t, s.PutItems(t.Context(), []recd.Item{a, b, c}), "PutItems")
	first := scanVectors(t, s, 0)
	if len(first) != 3 {
		t.Fatalf("ScanVectors(0) after putting 3 vectors: %v", first)
	}
	for _, r := range first {
		want := map[string]map[string][]float32{"a": a.Vectors, "b": b.Vectors}[r.ItemID][r.Space]
		if want == nil || !equalVec(r.Vector, want) {
			t.Errorf("logged %+v, want vector %v", r, want)
		}
	}
	return a, b, maxSeq(first)
}

func testVectorLog(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	a, b, h := putVectorLog(t, s)

	t.Run("RePutAdvancesSeq", func(t *testing.T) {
		a.Vectors = map[string][]float32{"cf": {2, 0}} // content dropped
		must(t, s.PutItems(ctx, []recd.Item{a}), "PutItems")
		got := scanVectors(t, s, h)
		if len(got) != 2 {
			t.Fatalf("ScanVectors(%d) = %v, want a/cf and a tombstone for a/content", h, got)
		}
		seen := map[string]store.VectorRecord{}
		for _, r := range got {
			seen[r.ItemID+"/"+r.Space] = r
		}
		if r := seen["a/cf"]; !equalVec(r.Vector, []float32{2, 0}) {
			t.Errorf("a/cf = %+v, want the new vector", r)
		}
		if r, ok := seen["a/content"]; !ok || r.Vector != nil {
			t.Errorf("a/content = %+v (present %v), want a tombstone", r, ok)
		}
		// The full log holds each (item, space) once, at its current state.
		all := scanVectors(t, s, 0)
		if len(all) != 3 {
			t.Errorf("ScanVectors(0) = %v, want 3 current records (a/cf, a/content tombstone, b/cf)", all)
		}
		h = maxSeq(all)
	})

	t.Run("DeleteLogsTombstone", func(t *testing.T) {
		must(t, s.DeleteItem(ctx, "b"), "DeleteItem")
		got := scanVectors(t, s, h)
		if len(got) != 1 || got[0].ItemID != "b" || got[0].Space != "cf" || got[0].Vector != nil {
			t.Fatalf("after deleting b: ScanVectors(%d) = %v, want one tombstone b/cf", h, got)
		}
		h = got[0].Seq
		must(t, s.DeleteItem(ctx, "c"), "DeleteItem c (no vectors)")
		if got := scanVectors(t, s, h); len(got) != 0 {
			t.Errorf("deleting an item without vectors logged %v", got)
		}
	})

	t.Run("PutWithoutVectorsLogsNothing", func(t *testing.T) {
		a.Vectors = nil
		must(t, s.PutItems(ctx, []recd.Item{a}), "PutItems")
		if got := scanVectors(t, s, h); len(got) != 0 {
			t.Errorf("putting an item with nil Vectors logged %v", got)
		}
	})

	t.Run("RecreateAfterDelete", func(t *testing.T) {
		b.Vectors = map[string][]float32{"cf": {7, 7}}
		must(t, s.PutItems(ctx, []recd.Item{b}), "PutItems")
		got := scanVectors(t, s, h)
		if len(got) != 1 || got[0].ItemID != "b" || !equalVec(got[0].Vector, []float32{7, 7}) || got[0].Seq <= h {
			t.Errorf("re-created b: ScanVectors(%d) = %v", h, got)
		}
	})

	t.Run("FnErrorStops", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := s.ScanVectors(ctx, 0, func(store.VectorRecord) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("ScanVectors with failing fn: %v after %d calls", err, calls)
		}
	})
}

func equalVec(a, b []float32) bool {
	if len(a) != len(b) || a == nil || b == nil {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
