package rank

import (
	"context"
	"math"

	"github.com/recd/recd/index"
)

// easeSource scores items by EASE from the liked items (history row times the item-item
// weights).
func (p *Pipeline) easeSource(items []int32, weights []float32, excl exclusion, k int) SourceList {
	l := SourceList{Name: "ease"}
	if p.M.EASE == nil || len(items) == 0 {
		return l
	}
	top, scores := p.topScored(func(dst []float32) { p.M.EASE.Score(-1, items, weights, dst) }, excl, k)
	for n, i := range top {
		l.Items = append(l.Items, SourceScore{ID: p.M.Items[i], Score: scores[n]})
	}
	return l
}

// topScored scores every item of the model into a pooled buffer with score and returns the
// k best positive scores of items not in excl, best first.
func (p *Pipeline) topScored(score func(dst []float32), excl exclusion, k int) ([]int32, []float64) {
	bufp := p.scratch.Get().(*[]float32)
	defer p.scratch.Put(bufp)
	dst := *bufp
	score(dst)
	top := topN(dst, k, func(i int32) bool { return !excl.has(i) })
	scores := make([]float64, len(top))
	for n, i := range top {
		scores[n] = float64(dst[i])
	}
	return top, scores
}

// idSet is the set of the given ids.
func idSet(ids []string) map[string]bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// exclusion marks, by model item index, the items a request must not propose; nil marks
// none.
type exclusion []bool

func (e exclusion) has(i int32) bool { return int(i) < len(e) && e[i] }

// exclusion returns the marks of ids and the ids outside the model, which it cannot mark.
// Give the marks back with release.
func (p *Pipeline) exclusion(ids []string) (exclusion, map[string]bool) {
	mp := p.marks.Get().(*[]bool)
	m := *mp
	var outside map[string]bool
	for _, id := range ids {
		if i, ok := p.M.ItemIndex[id]; ok && int(i) < len(m) {
			m[i] = true
		} else {
			if outside == nil {
				outside = map[string]bool{}
			}
			outside[id] = true
		}
	}
	return m, outside
}

// release clears excl and returns it to the pool.
func (p *Pipeline) release(excl exclusion) {
	m := []bool(excl)
	clear(m)
	p.marks.Put(&m)
}

// indexed maps liked items to the model's item indexes with their weights.
func (p *Pipeline) indexed(pos []Interaction) ([]int32, []float32) {
	items := make([]int32, 0, len(pos))
	weights := make([]float32, 0, len(pos))
	for _, h := range pos {
		if i, ok := p.M.ItemIndex[h.ItemID]; ok {
			items = append(items, i)
			weights = append(weights, float32(h.Weight))
		}
	}
	return items, weights
}

// popularSource proposes the most popular items that pass the category rules, scored by
// their position in the popularity order.
func (p *Pipeline) popularSource(n int, rules Rules, excl exclusion) SourceList {
	l := SourceList{Name: "popular"}
	if p.M.Pop == nil {
		return l
	}
	cats := idSet(rules.Categories)
	l.Items = make([]SourceScore, 0, min(n, len(p.M.Pop.Order)))
	// The catalog is read a chunk of unexcluded items at a time (catalogItems: one lock a chunk).
	var (
		ids   [catalogChunk]string
		metas [catalogChunk]ItemMeta
		found [catalogChunk]bool
	)
	order := p.M.Pop.Order
	for len(order) > 0 && len(l.Items) < n {
		got := 0
		for len(order) > 0 && got < min(catalogChunk, n-len(l.Items)) {
			if i := order[0]; !excl.has(i) {
				ids[got] = p.M.Items[i]
				got++
			}
			order = order[1:]
		}
		catalogItems(p.Catalog, ids[:got], metas[:got], found[:got])
		for k, id := range ids[:got] {
			m := &metas[k]
			if !found[k] || !m.Available {
				continue
			}
			cat := ""
			if len(cats) > 0 {
				for _, c := range m.Categories {
					if cats[c] {
						cat = c
						break
					}
				}
				if cat == "" {
					continue
				}
			}
			// Position, not the Bayesian average: equal averages keep the popularity order.
			l.Items = append(l.Items, SourceScore{ID: id, Score: float64(n - len(l.Items)), Category: cat})
		}
	}
	return l
}

// exactCF is the catalog size up to which the CF source scores every item exactly.
const exactCF = 20000

// cfSource folds the user's history into a CF vector against the current item factors and
// searches the cf space with it (filters pushed down into the index).
func (p *Pipeline) cfSource(ctx context.Context, items []int32, weights []float32, f *index.Filter, excl exclusion, k int) (SourceList, bool) {
	if p.M.ALS == nil || p.Index == nil || len(items) == 0 {
		return SourceList{}, false
	}
	if len(p.M.Items) <= exactCF || p.Opts.ExactCF {
		// A small catalog is scored exactly: all items' dot products cost less than a wide
		// HNSW beam. Items added since training reach users through the content source.
		top, scores := p.topScored(func(dst []float32) { p.M.ALS.Score(-1, items, weights, dst) }, excl, k)
		l := SourceList{Name: "cf"}
		for n, i := range top {
			l.Items = append(l.Items, SourceScore{ID: p.M.Items[i], Score: scores[n]})
		}
		return l, true
	}
	u := p.M.ALS.FoldIn(items, weights)
	return p.search(ctx, "cf", SpaceCF, u, k, f)
}

// contentSource searches the content space with the user's content profile: the weighted
// mean of the content vectors of their newest liked items.
func (p *Pipeline) contentSource(ctx context.Context, pos []Interaction, f *index.Filter, k int) (SourceList, bool) {
	if p.Index == nil {
		return SourceList{}, false
	}
	if len(pos) > p.Opts.ProfileItems {
		pos = pos[:p.Opts.ProfileItems]
	}
	ids := make([]string, len(pos))
	for i, h := range pos {
		ids[i] = h.ItemID
	}
	vecs, err := p.Index.Vectors(ctx, SpaceContent, ids)
	if err != nil || len(vecs) == 0 {
		return SourceList{}, false
	}
	var profile []float32
	for _, h := range pos {
		v, ok := vecs[h.ItemID]
		if !ok {
			continue
		}
		if profile == nil {
			profile = make([]float32, len(v))
		}
		if len(v) != len(profile) {
			continue
		}
		w := float32(math.Min(h.Weight, 10))
		for k, x := range v {
			profile[k] += w * x
		}
	}
	if profile == nil {
		return SourceList{}, false
	}
	return p.search(ctx, "content", SpaceContent, profile, k, f)
}

// search runs one bounded, filtered vector search as a candidate source.
func (p *Pipeline) search(ctx context.Context, name, space string, vec []float32, k int, f *index.Filter) (SourceList, bool) {
	hits, err := p.Index.Search(ctx, index.SearchRequest{Space: space, Vector: vec, K: k, Filter: f})
	if err != nil { // ErrUnknownSpace before the first training; anything else drops the source
		return SourceList{}, false
	}
	l := SourceList{Name: name, Items: make([]SourceScore, len(hits))}
	for i, h := range hits {
		l.Items[i] = SourceScore{ID: h.ID, Score: float64(h.Score)}
	}
	return l, true
}
