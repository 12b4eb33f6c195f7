package indextest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/recd/recd/index"
)

// item is the suite's own copy of what it wrote, to compute expected results independently
// of the index under test.
type item struct {
	id   string
	v    []float32
	cats []string
	av   bool
	year int
	rate float64
	lang string
	tags []any
}

func randVec(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func cosine(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}

func makeItems(r *rand.Rand, n, dim int, rareEvery int) []item {
	cats := []string{"drama", "comedy", "horror", "doc"}
	langs := []string{"en", "fr", "de"}
	out := make([]item, n)
	for i := range out {
		it := item{
			id:   fmt.Sprintf("i%05d", i),
			v:    randVec(r, dim),
			cats: []string{cats[r.IntN(len(cats))]},
			av:   r.Float64() < 0.7,
			year: 1950 + r.IntN(71),
			rate: math.Round(r.Float64()*50) / 10,
			lang: langs[r.IntN(len(langs))],
		}
		if r.IntN(3) == 0 {
			it.cats = append(it.cats, cats[r.IntN(len(cats))])
		}
		if r.IntN(2) == 0 {
			it.tags = []any{"x", "y"}
		} else {
			it.tags = []any{"z"}
		}
		if rareEvery > 0 && i%rareEvery == 0 {
			it.cats = append(it.cats, "rare")
		}
		out[i] = it
	}
	return out
}

func upsertItems(t *testing.T, ix index.Index, space string, items []item) {
	t.Helper()
	pts := make([]index.Point, len(items))
	for i, it := range items {
		pts[i] = index.Point{ID: it.id, Vectors: map[string][]float32{space: it.v}, Payload: index.Payload{
			Categories: it.cats, Available: it.av,
			Attributes: map[string]any{"year": it.year, "rating": it.rate, "lang": it.lang, "tags": it.tags,
				"count": json.Number(fmt.Sprint(it.year % 7))},
		}}
	}
	for len(pts) > 0 {
		n := min(len(pts), 500)
		mustUpsert(t, ix, pts[:n]...)
		pts = pts[n:]
	}
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// expected returns the exact top k of items passing pred, by cosine.
func expected(items []item, q []float32, k int, pred func(item) bool) []string {
	type sc struct {
		id string
		s  float64
	}
	var all []sc
	for _, it := range items {
		if pred(it) {
			all = append(all, sc{it.id, cosine(q, it.v)})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].s > all[j].s })
	out := []string{}
	for i := 0; i < len(all) && i < k; i++ {
		out = append(out, all[i].id)
	}
	return out
}

// overlap counts how many of want appear in got.
func overlap(got []index.Hit, want []string) int {
	n := 0
	for _, h := range got {
		if has(want, h.ID) {
			n++
		}
	}
	return n
}

type filterCase struct {
	name string
	f    index.Filter
	pred func(item) bool
}

func filterCases(items []item) []filterCase {
	allow := []string{"ghost"}
	for i := 0; i < len(items); i += 20 {
		allow = append(allow, items[i].id)
	}
	deny := []string{items[1].id, items[2].id, items[3].id}
	return []filterCase{
		{"categories any of", index.Filter{Categories: []string{"horror", "doc"}}, func(it item) bool { return has(it.cats, "horror") || has(it.cats, "doc") }},
		{"exclude categories", index.Filter{ExcludeCategories: []string{"drama"}}, func(it item) bool { return !has(it.cats, "drama") }},
		{"available only", index.Filter{AvailableOnly: true}, func(it item) bool { return it.av }},
		{"allow list", index.Filter{Allow: allow}, func(it item) bool { return has(allow, it.id) }},
		{"empty allow list", index.Filter{Allow: []string{}}, func(item) bool { return false }},
		{"deny list", index.Filter{Deny: deny}, func(it item) bool { return !has(deny, it.id) }},
		{"gte int", index.Filter{Conditions: []index.Condition{{Field: "year", Op: "gte", Value: 1990}}}, func(it item) bool { return it.year >= 1990 }},
		{"lt float", index.Filter{Conditions: []index.Condition{{Field: "year", Op: "lt", Value: 1970.5}}}, func(it item) bool { return float64(it.year) < 1970.5 }},
		{"gt json.Number", index.Filter{Conditions: []index.Condition{{Field: "rating", Op: "gt", Value: json.Number("3.5")}}}, func(it item) bool { return it.rate > 3.5 }},
		{"lte on json.Number attribute", index.Filter{Conditions: []index.Condition{{Field: "count", Op: "lte", Value: 2}}}, func(it item) bool { return it.year%7 <= 2 }},
		{"eq string", index.Filter{Conditions: []index.Condition{{Field: "lang", Op: "eq", Value: "fr"}}}, func(it item) bool { return it.lang == "fr" }},
		{"eq number across types", index.Filter{Conditions: []index.Condition{{Field: "year", Op: "eq", Value: float64(items[0].year)}}}, func(it item) bool { return it.year == items[0].year }},
		{"ne string", index.Filter{Conditions: []index.Condition{{Field: "lang", Op: "ne", Value: "en"}}}, func(it item) bool { return it.lang != "en" }},
		{"in", index.Filter{Conditions: []index.Condition{{Field: "lang", Op: "in", Value: []any{"de", "fr"}}}}, func(it item) bool { return it.lang != "en" }},
		{"eq on list attribute", index.Filter{Conditions: []index.Condition{{Field: "tags", Op: "eq", Value: "x"}}}, func(it item) bool { return has2(it.tags, "x") }},
		{"ne on list attribute", index.Filter{Conditions: []index.Condition{{Field: "tags", Op: "ne", Value: "x"}}}, func(it item) bool { return !has2(it.tags, "x") }},
		{"nin", index.Filter{Conditions: []index.Condition{{Field: "lang", Op: "nin", Value: []any{"de", "fr"}}}}, func(it item) bool { return it.lang == "en" }},
		{"missing attribute eq", index.Filter{Conditions: []index.Condition{{Field: "nope", Op: "eq", Value: 1}}}, func(item) bool { return false }},
		{"combined", index.Filter{
			Categories: []string{"comedy", "drama"}, ExcludeCategories: []string{"horror"}, AvailableOnly: true, Deny: deny,
			Conditions: []index.Condition{{Field: "year", Op: "gte", Value: 1960}, {Field: "rating", Op: "lte", Value: 4}},
		}, func(it item) bool {
			return (has(it.cats, "comedy") || has(it.cats, "drama")) && !has(it.cats, "horror") && it.av && !has(deny, it.id) && it.year >= 1960 && it.rate <= 4
		}},
	}
}

func has2(xs []any, x any) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func testFilters(t *testing.T, ix index.Index) {
	r := rand.New(rand.NewPCG(1, 2))
	items := makeItems(r, 400, 8, 0)
	mustCreate(t, ix, index.SpaceConfig{Name: "v", Dim: 8, Metric: index.Cosine})
	upsertItems(t, ix, "v", items)
	byID := map[string]item{}
	for _, it := range items {
		byID[it.id] = it
	}
	for _, c := range filterCases(items) {
		t.Run(c.name, func(t *testing.T) {
			found, total := 0, 0
			for qi := 0; qi < 5; qi++ {
				q := randVec(r, 8)
				f := c.f
				hits := mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: q, K: 10, Filter: &f})
				for _, h := range hits {
					it, ok := byID[h.ID]
					if !ok || !c.pred(it) {
						t.Fatalf("hit %s does not pass the filter", h.ID)
					}
					if !approx(float64(h.Score), cosine(q, it.v)) {
						t.Fatalf("hit %s score %v, want %v", h.ID, h.Score, cosine(q, it.v))
					}
				}
				want := expected(items, q, 10, c.pred)
				found += overlap(hits, want)
				total += len(want)
			}
			if total == 0 {
				if found != 0 {
					t.Fatal("hits for a filter nothing passes")
				}
				return
			}
			if rec := float64(found) / float64(total); rec < 0.9 {
				t.Errorf("filtered recall@10 = %.3f, want >= 0.9", rec)
			}
		})
	}
}

// testSelectiveFilter checks that filters passing about 1% and 5% of a larger space still
// find their true neighbours.
func testSelectiveFilter(t *testing.T, ix index.Index) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 2000
	if testing.Short() {
		n = 1000
	}
	items := makeItems(r, n, 16, 100)
	mustCreate(t, ix, index.SpaceConfig{Name: "v", Dim: 16, Metric: index.Cosine})
	upsertItems(t, ix, "v", items)
	for _, c := range []filterCase{
		{"rare category", index.Filter{Categories: []string{"rare"}}, func(it item) bool { return has(it.cats, "rare") }},
		{"narrow year and language", index.Filter{Conditions: []index.Condition{{Field: "year", Op: "gte", Value: 2017}, {Field: "lang", Op: "eq", Value: "de"}}},
			func(it item) bool { return it.year >= 2017 && it.lang == "de" }},
		{"broad", index.Filter{ExcludeCategories: []string{"rare"}, AvailableOnly: true}, func(it item) bool { return !has(it.cats, "rare") && it.av }},
	} {
		t.Run(c.name, func(t *testing.T) {
			found, total := 0, 0
			for qi := 0; qi < 20; qi++ {
				q := randVec(r, 16)
				f := c.f
				hits := mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: q, K: 10, Filter: &f})
				want := expected(items, q, 10, c.pred)
				if len(hits) != len(want) {
					t.Fatalf("got %d hits, want %d (the filter allows that many)", len(hits), len(want))
				}
				found += overlap(hits, want)
				total += len(want)
			}
			if rec := float64(found) / float64(total); rec < 0.95 {
				t.Errorf("recall@10 = %.3f, want >= 0.95", rec)
			}
		})
	}
}

// testRecall checks unfiltered recall@10 against exact search on random data.
func testRecall(t *testing.T, ix index.Index) {
	r := rand.New(rand.NewPCG(5, 6))
	items := makeItems(r, 2000, 16, 0)
	mustCreate(t, ix, index.SpaceConfig{Name: "v", Dim: 16, Metric: index.Cosine})
	upsertItems(t, ix, "v", items)
	found, total := 0, 0
	for qi := 0; qi < 50; qi++ {
		q := randVec(r, 16)
		hits := mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: q, K: 10})
		want := expected(items, q, 10, func(item) bool { return true })
		found += overlap(hits, want)
		total += len(want)
	}
	if rec := float64(found) / float64(total); rec < 0.95 {
		t.Errorf("recall@10 = %.3f, want >= 0.95", rec)
	}
}

// testAvailabilityFollowsPayload checks that an availability-only search reads the newest
// payload: an item upserted again as unavailable (same vector) drops out, upserted as
// available comes back, and a deleted item never matches.
func testAvailabilityFollowsPayload(t *testing.T, ix index.Index) {
	r := rand.New(rand.NewPCG(7, 8))
	items := makeItems(r, 300, 8, 0)
	for i := range items {
		items[i].av = true
	}
	mustCreate(t, ix, index.SpaceConfig{Name: "v", Dim: 8, Metric: index.Cosine})
	upsertItems(t, ix, "v", items)
	q := randVec(r, 8)
	f := &index.Filter{AvailableOnly: true}
	search := func() []string {
		return ids(mustSearch(t, ix, index.SearchRequest{Space: "v", Vector: q, K: 10, Filter: f}))
	}
	first := search()
	if len(first) != 10 {
		t.Fatalf("got %d hits, want 10", len(first))
	}
	byID := map[string]item{}
	for _, it := range items {
		byID[it.id] = it
	}
	off := []item{byID[first[0]], byID[first[3]]}
	for i := range off {
		off[i].av = false
	}
	upsertItems(t, ix, "v", off)
	got := search()
	for _, it := range off {
		if slices.Contains(got, it.id) {
			t.Fatalf("%s was upserted unavailable but still matches: %v", it.id, got)
		}
	}
	off[0].av = true
	upsertItems(t, ix, "v", off[:1])
	if got := search(); !slices.Contains(got, off[0].id) {
		t.Fatalf("%s was upserted available again but does not match: %v", off[0].id, got)
	}
	if err := ix.Delete(ctx, []string{off[0].id}); err != nil {
		t.Fatal(err)
	}
	if got := search(); slices.Contains(got, off[0].id) {
		t.Fatalf("%s was deleted but still matches: %v", off[0].id, got)
	}
}
