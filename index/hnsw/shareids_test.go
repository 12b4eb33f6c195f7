package hnsw

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/recd/recd/index"
)

// TestIndex_ShareIDs: after ShareIDs the hits name items by the caller's strings, searches
// answer as before, and the ids still find their items (filters, deletes).
func TestIndex_ShareIDs(t *testing.T) {
	ctx := context.Background()
	o := testOptions()
	o.Workers = 1
	ix, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	const n, dim = 500, 8
	data := clustered(3, n, dim)
	if err := ix.CreateSpace(ctx, index.SpaceConfig{Name: "v", Dim: dim, Metric: index.L2}); err != nil {
		t.Fatal(err)
	}
	var pts []index.Point
	for i := range n {
		pts = append(pts, index.Point{ID: "i" + strconv.Itoa(i), Vectors: map[string][]float32{"v": data[i*dim : (i+1)*dim]}})
	}
	if err := ix.Upsert(ctx, pts); err != nil {
		t.Fatal(err)
	}
	mine := make([]string, 0, n+5000) // more than one step, and ids the index does not hold
	for i := range n + 5000 {
		mine = append(mine, strings.Clone("i"+strconv.Itoa(i)))
	}
	own := map[string]*byte{}
	for _, id := range mine {
		own[id] = unsafe.StringData(id)
	}
	deny := []string{"i1", "i2", "i3"}
	req := index.SearchRequest{Space: "v", Vector: data[:dim], K: 20, Filter: &index.Filter{Deny: deny}}
	before, err := ix.Search(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	ix.ShareIDs(mine)
	after, err := ix.Search(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, after) || len(after) != 20 {
		t.Fatalf("hits before ShareIDs %v, after %v", before, after)
	}
	for _, h := range after {
		if unsafe.StringData(h.ID) != own[h.ID] {
			t.Fatalf("hit %s is not the caller's string", h.ID)
		}
		if slices.Contains(deny, h.ID) {
			t.Fatalf("denied %s returned", h.ID)
		}
	}
	for id := range ix.gidOf {
		if unsafe.StringData(id) != own[id] {
			t.Fatalf("item %s is keyed by the index's own string", id)
		}
	}
	if err := ix.Delete(ctx, []string{before[0].ID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := ix.Search(ctx, req); got[0].ID == before[0].ID {
		t.Fatalf("deleted %s still returned", before[0].ID)
	}
}
