package hnsw

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/recd/recd/index"
	"github.com/recd/recd/index/indextest"
)

func testOptions() Options {
	o := DefaultOptions()
	o.EfConstruction = 100
	o.ExactBelow = 50 // small, so the suite's filters exercise the filtered graph walk too
	o.Workers = 2
	return o
}

func TestIndex_Conformance(t *testing.T) {
	indextest.Run(t, func(t *testing.T) index.Index {
		ix, err := New(testOptions())
		if err != nil {
			t.Fatal(err)
		}
		return ix
	})
}

func TestIndex_Persistence(t *testing.T) {
	indextest.RunPersistence(t, func(t *testing.T, dir string) index.Index {
		ix, err := Open(dir, testOptions())
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return ix
	})
}

// smallSnapshot builds and saves a small index with every kind of space, returning its bytes.
func smallSnapshot(t testing.TB, dir string) []byte {
	ix, err := Open(dir, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []index.SpaceConfig{{Name: "v", Dim: 4, Metric: index.Cosine}, {Name: "s", Metric: index.Dot, Sparse: true}} {
		if err := ix.CreateSpace(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	var pts []index.Point
	for i := 0; i < 40; i++ {
		f := float32(i)
		pts = append(pts, index.Point{ID: string(rune('A' + i)),
			Vectors: map[string][]float32{"v": {f, 1, -f, 2}},
			Sparse:  map[string]index.SparseVector{"s": {Indices: []uint32{uint32(i % 5), 9}, Values: []float32{1, f}}},
			Payload: index.Payload{Categories: []string{"c"}, Attributes: map[string]any{"n": i}}})
	}
	if err := ix.Upsert(ctx, pts); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(ctx, []string{"A"}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Save(7); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, fileName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpen_Corrupt(t *testing.T) {
	dir := t.TempDir()
	good := smallSnapshot(t, dir)
	cases := map[string][]byte{
		"empty":      {},
		"truncated":  good[:len(good)/2],
		"no trailer": good[:len(good)-4],
		"flipped":    flip(good, len(good)/3),
		"bad magic":  flip(good, 0),
		"version":    flip(good, 8),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			d := t.TempDir()
			if err := os.WriteFile(filepath.Join(d, fileName), data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(d, testOptions()); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
		})
	}
	t.Run("good", func(t *testing.T) {
		ix, err := Open(dir, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		if ix.LoadedSeq() != 7 {
			t.Fatalf("LoadedSeq = %d, want 7", ix.LoadedSeq())
		}
	})
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x5a
	return c
}

func TestIndex_SaveWithoutDir(t *testing.T) {
	ix, _ := New(DefaultOptions())
	if err := ix.Save(1); err == nil {
		t.Fatal("Save without a directory succeeded")
	}
}

func TestOptions_Validate(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	o := DefaultOptions()
	o.M = 1
	if _, err := New(o); err == nil {
		t.Fatal("New accepted M=1")
	}
}

// Close frees the arenas at once, waits for searches in flight, refuses every later call
// (a Save above all, which would replace the last snapshot with an empty one), and a
// reopened index serves what was saved before it.
func TestIndex_Close(t *testing.T) {
	dir := t.TempDir()
	want := smallSnapshot(t, dir)
	ix, err := Open(dir, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	q := index.SearchRequest{Space: "v", Vector: []float32{1, 1, -1, 2}, K: 5}
	done := make(chan error)
	for w := 0; w < 4; w++ {
		go func() {
			for {
				_, err := ix.Search(ctx, q)
				if err != nil {
					done <- err
					return
				}
			}
		}()
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	for w := 0; w < 4; w++ {
		if err := <-done; !errors.Is(err, index.ErrClosed) {
			t.Errorf("a search after Close: %v, want ErrClosed", err)
		}
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	pt := index.Point{ID: "Z", Vectors: map[string][]float32{"v": {1, 2, 3, 4}}}
	for name, err := range map[string]error{
		"Upsert":      ix.Upsert(ctx, []index.Point{pt}),
		"Delete":      ix.Delete(ctx, []string{"B"}),
		"CreateSpace": ix.CreateSpace(ctx, index.SpaceConfig{Name: "w", Dim: 2, Metric: index.Cosine}),
		"Save":        ix.Save(8),
		"Vectors":     func() error { _, err := ix.Vectors(ctx, "v", []string{"B"}); return err }(),
		"Spaces":      func() error { _, err := ix.Spaces(ctx); return err }(),
	} {
		if !errors.Is(err, index.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, fileName))
	if err != nil || string(got) != string(want) {
		t.Fatalf("the snapshot changed after Close (%v)", err)
	}
	re, err := Open(dir, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	if hits, err := re.Search(ctx, q); err != nil || len(hits) != 5 {
		t.Errorf("reopened: %v, %v", hits, err)
	}
}
