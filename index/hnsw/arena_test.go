package hnsw

import (
	"context"
	"strconv"
	"testing"

	"github.com/recd/recd/index"
)

func TestArena_Grow(t *testing.T) {
	t.Run("keeps contents and zeroes new words", func(t *testing.T) {
		var a arena
		defer a.free()
		a.grow(10)
		w := a.int32s(10)
		for i := range w {
			w[i] = int32(i + 1)
		}
		a.grow(1 << 20) // past several doublings, so the mapping moves or is copied
		w = a.int32s(1 << 20)
		for i := range 10 {
			if w[i] != int32(i+1) {
				t.Fatalf("word %d = %d after grow, want %d", i, w[i], i+1)
			}
		}
		for i := 10; i < len(w); i += 4099 {
			if w[i] != 0 {
				t.Fatalf("new word %d = %d, want 0", i, w[i])
			}
		}
		if f := a.float32s(3); len(f) != 3 {
			t.Fatalf("float32s(3) has length %d", len(f))
		}
	})
	t.Run("free empties", func(t *testing.T) {
		var a arena
		a.grow(100)
		a.free()
		if len(a.mem) != 0 || a.int32s(0) != nil {
			t.Fatal("arena not empty after free")
		}
		a.grow(5) // usable again
		a.int32s(5)[4] = 7
		a.free()
	})
}

// TestIndex_GrowWhileSearching grows a space through many arena doublings with searches
// in between: every stored vector must stay findable as its own nearest neighbour.
func TestIndex_GrowWhileSearching(t *testing.T) {
	ctx := context.Background()
	ix, err := New(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.CreateSpace(ctx, index.SpaceConfig{Name: "v", Dim: 16, Metric: index.L2}); err != nil {
		t.Fatal(err)
	}
	const n = 3000
	data := clustered(5, n, 16)
	for lo := 0; lo < n; lo += 250 {
		pts := make([]index.Point, 0, 250)
		for i := lo; i < lo+250; i++ {
			pts = append(pts, index.Point{ID: itemID(i), Vectors: map[string][]float32{"v": data[i*16 : (i+1)*16]}})
		}
		if err := ix.Upsert(ctx, pts); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, lo, lo + 249} {
			hits, err := ix.Search(ctx, index.SearchRequest{Space: "v", Vector: data[i*16 : (i+1)*16], K: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 1 || hits[0].ID != itemID(i) {
				t.Fatalf("after %d items: nearest of item %d = %v", lo+250, i, hits)
			}
		}
	}
}

func itemID(i int) string { return "i" + strconv.Itoa(i) }
