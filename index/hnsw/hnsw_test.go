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
