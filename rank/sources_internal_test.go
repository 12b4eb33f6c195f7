package rank

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd/model"
)

// mapCatalog is a Catalog of a map, with no Items: catalogItems falls back to Item.
type mapCatalog map[string]ItemMeta

func (c mapCatalog) Item(id string) (ItemMeta, bool) { m, ok := c[id]; return m, ok }

// itemsCatalog is a mapCatalog that answers Items too, as the live catalog does.
type itemsCatalog struct{ mapCatalog }

func (c itemsCatalog) Items(ids []string, out []ItemMeta, ok []bool) {
	for k, id := range ids {
		out[k], ok[k] = c.Item(id)
	}
}

// TestPopularSource_ReadsTheCatalogByChunks checks the popular source, which reads the
// catalog a chunk of items at a time, against the popularity order filtered one item at a
// time: excluded, unavailable and uncatalogued items skipped, the category rule, depths
// below, at and above a chunk, over catalogs with and without Items.
func TestPopularSource_ReadsTheCatalogByChunks(t *testing.T) {
	const n = 1000
	rng := rand.New(rand.NewPCG(3, 4))
	cat := mapCatalog{}
	m := &Models{ItemIndex: map[string]int32{}, Pop: model.NewPopularity()}
	cats := []string{"a", "b", "c"}
	for i := range n {
		id := "i" + strconv.Itoa(i)
		m.Items = append(m.Items, id)
		m.ItemIndex[id] = int32(i)
		if rng.IntN(10) > 0 { // a tenth is not in the catalog
			cat[id] = ItemMeta{Available: rng.IntN(5) > 0, Categories: []string{cats[rng.IntN(3)]}}
		}
	}
	m.Pop.Order = make([]int32, n)
	for k, i := range rng.Perm(n) {
		m.Pop.Order[k] = int32(i)
	}
	var seen []string
	for range 300 {
		seen = append(seen, m.Items[rng.IntN(n)])
	}
	reference := func(k int, rules Rules, excluded map[string]bool) SourceList {
		l := SourceList{Name: "popular"}
		for _, i := range m.Pop.Order {
			id := m.Items[i]
			meta, ok := cat[id]
			if len(l.Items) == k || excluded[id] || !ok || !meta.Available {
				if len(l.Items) == k {
					break
				}
				continue
			}
			c := ""
			if len(rules.Categories) > 0 {
				if !slices.Contains(rules.Categories, meta.Categories[0]) {
					continue
				}
				c = meta.Categories[0]
			}
			l.Items = append(l.Items, SourceScore{ID: id, Score: float64(k - len(l.Items)), Category: c})
		}
		return l
	}
	for _, c := range []Catalog{cat, itemsCatalog{cat}} {
		p := NewPipeline(m, c, nil, nil, DefaultOptions())
		for _, rules := range []Rules{{}, {Categories: []string{"b"}}} {
			for _, excluded := range [][]string{nil, seen} {
				set := map[string]bool{}
				for _, id := range excluded {
					set[id] = true
				}
				for _, k := range []int{1, 10, 63, 64, 65, 200, n} {
					excl, _ := p.exclusion(excluded)
					got := p.popularSource(k, rules, excl)
					p.release(excl)
					want := reference(k, rules, set)
					if !slices.EqualFunc(got.Items, want.Items, func(a, b SourceScore) bool {
						return a.ID == b.ID && a.Score == b.Score && a.Category == b.Category && a.Because == nil && b.Because == nil
					}) {
						t.Fatalf("%T, categories %v, %d excluded, depth %d: %d items %v..., want %d %v...", c, rules.Categories,
							len(excluded), k, len(got.Items), head(got.Items), len(want.Items), head(want.Items))
					}
				}
			}
		}
	}
}

func head(s []SourceScore) []SourceScore { return s[:min(len(s), 3)] }

// historyOf makes a history of n items with times drawn from instants distinct instants
// (fewer make ties, some a nanosecond apart) and weights of both signs.
func historyOf(rng *rand.Rand, n, instants int) []Interaction {
	t0 := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	h := make([]Interaction, n)
	for i := range h {
		at := t0.Add(time.Duration(rng.IntN(max(instants, 1))) * time.Second).Add(time.Duration(rng.IntN(2)))
		h[i] = Interaction{ItemID: "i" + strconv.Itoa(rng.IntN(4*n)), Weight: float64(rng.IntN(5) - 1), Last: at}
	}
	return h
}

func TestPositives_NewestFirstByTimeThenID(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 17, 300, 3000} {
		h := historyOf(rng, n, n/3)
		if n == 3000 { // the zero time (an interaction with no event time) sorts last
			h[7].Last, h[7].Weight = time.Time{}, 1
		}
		want := slices.DeleteFunc(slices.Clone(h), func(x Interaction) bool { return x.Weight <= 0 })
		slices.SortStableFunc(want, func(a, b Interaction) int {
			if c := b.Last.Compare(a.Last); c != 0 {
				return c
			}
			return strings.Compare(a.ItemID, b.ItemID)
		})
		got := positives(h)
		if !slices.Equal(got, want) {
			t.Fatalf("n=%d: positives differ from a stable sort by time, then id", n)
		}
	}
}

func BenchmarkPositives(b *testing.B) {
	h := historyOf(rand.New(rand.NewPCG(5, 6)), 7774, 1e8) // the ml20m preset's heaviest user
	b.ReportAllocs()
	for b.Loop() {
		positives(h)
	}
}
