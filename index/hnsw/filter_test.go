package hnsw

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/recd/recd/index"
)

// TestIndex_SearchFilteredWalk forces the filtered graph walk (no exact fallback) on a
// filter that passes 2% of the space and checks recall against the exact flat index.
func TestIndex_SearchFilteredWalk(t *testing.T) {
	o := testOptions()
	o.ExactBelow, o.ExactFraction = 0, 0
	ix, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	flat := index.NewFlat()
	ctx := context.Background()
	const n, dim = 3000, 16
	data := clustered(4, n, dim)
	for _, x := range []index.Index{ix, flat} {
		if err := x.CreateSpace(ctx, index.SpaceConfig{Name: "v", Dim: dim, Metric: index.Cosine}); err != nil {
			t.Fatal(err)
		}
		var pts []index.Point
		for i := 0; i < n; i++ {
			pts = append(pts, index.Point{ID: strconv.Itoa(i), Vectors: map[string][]float32{"v": data[i*dim : (i+1)*dim]},
				Payload: index.Payload{Categories: []string{strconv.Itoa(i % 50)}}})
		}
		if err := x.Upsert(ctx, pts); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	found, total := 0, 0
	for q := 0; q < 50; q++ {
		qv := data[r.IntN(n)*dim:][:dim]
		req := index.SearchRequest{Space: "v", Vector: qv, K: 10, Filter: &index.Filter{Categories: []string{strconv.Itoa(q % 50)}}}
		got, err := ix.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := flat.Search(ctx, req)
		in := map[string]bool{}
		for _, h := range want {
			in[h.ID] = true
		}
		for _, h := range got {
			if in[h.ID] {
				found++
			}
		}
		total += len(want)
	}
	if rec := float64(found) / float64(total); rec < 0.95 {
		t.Errorf("filtered walk recall@10 = %.3f, want >= 0.95", rec)
	}
}

// TestIndex_DenyMemo checks that a filter's Memo carries the deny list's item numbers from
// one space's search to the next with the same answers as searches without it, and that a
// memo left by another index, or before a load renumbered the items, is not used.
func TestIndex_DenyMemo(t *testing.T) {
	ctx := context.Background()
	const n, dim = 400, 8
	build := func(order func(i int) int) *Index {
		ix, err := New(testOptions())
		if err != nil {
			t.Fatal(err)
		}
		data := clustered(3, n, dim)
		for _, sp := range []string{"a", "b"} {
			if err := ix.CreateSpace(ctx, index.SpaceConfig{Name: sp, Dim: dim, Metric: index.Cosine}); err != nil {
				t.Fatal(err)
			}
		}
		var pts []index.Point
		for k := 0; k < n; k++ {
			i := order(k)
			v := data[i*dim : (i+1)*dim]
			pts = append(pts, index.Point{ID: strconv.Itoa(i), Vectors: map[string][]float32{"a": v, "b": v[:dim:dim]}})
		}
		if err := ix.Upsert(ctx, pts); err != nil {
			t.Fatal(err)
		}
		return ix
	}
	ix := build(func(i int) int { return i })
	other := build(func(i int) int { return n - 1 - i }) // the same ids, numbered the other way round
	var deny []string
	for i := 0; i < n; i += 3 {
		deny = append(deny, strconv.Itoa(i))
	}
	q := clustered(1, 1, dim)
	search := func(ix *Index, sp string, f *index.Filter) string {
		hits, err := ix.Search(ctx, index.SearchRequest{Space: sp, Vector: q, K: 20, Filter: f})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(hits)
	}
	want := map[string]string{"a": search(ix, "a", &index.Filter{Deny: deny}), "b": search(ix, "b", &index.Filter{Deny: deny})}
	for _, h := range strings.Fields(want["a"]) {
		if id := strings.Trim(h, "[{"); slices.Contains(deny, id) {
			t.Fatalf("denied %s found without a memo: %s", id, want["a"])
		}
	}
	memo := new(index.FilterMemo)
	f := &index.Filter{Deny: deny, Memo: memo}
	for _, sp := range []string{"a", "b", "a"} {
		if got := search(ix, sp, f); got != want[sp] {
			t.Fatalf("space %s with the memo: %s, want %s", sp, got, want[sp])
		}
	}
	if m, ok := memo.Value.(*denyMemo); !ok || len(m.gids) != len(deny) {
		t.Fatalf("memo = %#v", memo.Value)
	}
	// The other index's numbers in the memo, then this index's under an older epoch.
	search(other, "a", f)
	if m := memo.Value.(*denyMemo); m.ix != other {
		t.Fatal("the other index used this index's memo")
	}
	if got := search(ix, "a", f); got != want["a"] {
		t.Fatalf("after the other index's search: %s, want %s", got, want["a"])
	}
	memo.Value.(*denyMemo).gids = []int32{0, 1, 2, 3, 4, 5} // numbers of another numbering
	memo.Value.(*denyMemo).epoch = ix.epoch - 1
	if got := search(ix, "b", f); got != want["b"] {
		t.Fatalf("with a memo from before a load: %s, want %s", got, want["b"])
	}
}
