package rank

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

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
