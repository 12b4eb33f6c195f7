package rank

import (
	"context"
	"math"
	"sort"

	"github.com/recd/recd/index"
)

// knnSource scores items from the liked items' item-kNN neighbours and names, for each
// candidate, the (up to three) liked items that contributed most.
func (p *Pipeline) knnSource(pos []Interaction, excl exclusion, k int) SourceList {
	l := SourceList{Name: "itemknn"}
	if p.M.KNN == nil {
		return l
	}
	items, weights := p.indexed(pos)
	if len(items) == 0 {
		return l
	}
	top, scores := p.knnTop(items, weights, excl, k)
	because := p.knnBecause(top, items, weights)
	for n, i := range top {
		l.Items = append(l.Items, SourceScore{ID: p.M.Items[i], Score: scores[n], Because: because[n]})
	}
	return l
}

// knnTop scores the liked items' neighbours as ItemKNN.Score does (the same sums in the
// same order) but touches only those neighbours, not the whole catalog, and returns the k
// best positive scores of items not in excl, best first.
func (p *Pipeline) knnTop(items []int32, weights []float32, excl exclusion, k int) ([]int32, []float64) {
	bufp, markp := p.sparse.Get().(*[]float32), p.marks.Get().(*[]bool)
	dst, seen := *bufp, *markp
	var touched []int32
	defer func() {
		for _, i := range touched {
			dst[i], seen[i] = 0, false
		}
		p.sparse.Put(bufp)
		p.marks.Put(markp)
	}()
	knn := p.M.KNN
	sn := knn.Opts.ScoreNeighbors
	for n, j := range items {
		if int(j) >= len(knn.Neighbors) || j < 0 {
			continue
		}
		nbs := knn.Neighbors[j]
		if sn > 0 && len(nbs) > sn {
			nbs = nbs[:sn]
		}
		w := weights[n]
		for _, nb := range nbs {
			if int(nb.Item) >= len(dst) {
				continue
			}
			if !seen[nb.Item] {
				seen[nb.Item] = true
				touched = append(touched, nb.Item)
			}
			dst[nb.Item] += w * nb.Sim
		}
	}
	top := topNAmong(dst, touched, k, func(i int32) bool { return !excl.has(i) })
	scores := make([]float64, len(top))
	for n, i := range top {
		scores[n] = float64(dst[i])
	}
	return top, scores
}

// easeSource scores items by EASE from the liked items (history row times the item-item
// weights).
func (p *Pipeline) easeSource(pos []Interaction, excl exclusion, k int) SourceList {
	l := SourceList{Name: "ease"}
	if p.M.EASE == nil {
		return l
	}
	items, weights := p.indexed(pos)
	if len(items) == 0 {
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

// knnBecause finds, in one pass over the history's neighbour lists, the (up to three) history
// items that contributed most to each candidate (the first seen wins a tie).
func (p *Pipeline) knnBecause(top, items []int32, weights []float32) [][]string {
	type contrib struct {
		item int32
		v    float32
	}
	rp := p.ranks.Get().(*[]int32) // item index -> position in top + 1; 0: not in top
	rank := *rp
	defer func() {
		for _, i := range top {
			rank[i] = 0
		}
		p.ranks.Put(rp)
	}()
	for n, i := range top {
		rank[i] = int32(n + 1)
	}
	best := make([][3]contrib, len(top))
	cnt := make([]uint8, len(top))
	k := p.M.KNN.Opts.ScoreNeighbors
	for n, j := range items {
		nbs := p.M.KNN.Neighbors[j]
		if k > 0 && len(nbs) > k {
			nbs = nbs[:k]
		}
		w := weights[n]
		for _, nb := range nbs {
			if int(nb.Item) >= len(rank) || rank[nb.Item] == 0 {
				continue
			}
			r := rank[nb.Item] - 1
			c := contrib{j, nb.Sim * w}
			b := &best[r]
			m := int(cnt[r])
			if m == 3 && c.v <= b[2].v {
				continue
			}
			if m < 3 {
				m++
				cnt[r] = uint8(m)
			}
			x := m - 1
			for x > 0 && c.v > b[x-1].v {
				b[x] = b[x-1]
				x--
			}
			b[x] = c
		}
	}
	out := make([][]string, len(top))
	names := make([]string, 0, 3*len(top))
	for r := range best {
		start := len(names)
		for _, x := range best[r][:cnt[r]] {
			names = append(names, p.M.Items[x.item])
		}
		if len(names) > start {
			out[r] = names[start:len(names):len(names)]
		}
	}
	return out
}

// popularSource proposes the most popular items that pass the category rules, scored by
// their position in the popularity order.
func (p *Pipeline) popularSource(n int, rules Rules, excl exclusion) SourceList {
	l := SourceList{Name: "popular"}
	if p.M.Pop == nil {
		return l
	}
	cats := idSet(rules.Categories)
	for _, i := range p.M.Pop.Order {
		if len(l.Items) >= n {
			break
		}
		if excl.has(i) {
			continue
		}
		id := p.M.Items[i]
		m, ok := p.Catalog.Item(id)
		if !ok || !m.Available {
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
	return l
}

// exactCF is the catalog size up to which the CF source scores every item exactly.
const exactCF = 20000

// cfSource folds the user's history into a CF vector against the current item factors and
// searches the cf space with it (filters pushed down into the index).
func (p *Pipeline) cfSource(ctx context.Context, pos []Interaction, f *index.Filter, excl exclusion, k int) (SourceList, bool) {
	if p.M.ALS == nil || p.Index == nil {
		return SourceList{}, false
	}
	items, weights := p.indexed(pos)
	if len(items) == 0 {
		return SourceList{}, false
	}
	if len(p.M.Items) <= exactCF {
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

// topN returns the indexes of the n highest positive scores for which keep is true, best first.
func topN(scores []float32, n int, keep func(int32) bool) []int32 {
	if n <= 0 {
		return nil
	}
	t := topHeap{scores: scores, n: n, h: make([]int32, 0, n+1)}
	for i := range scores {
		t.offer(int32(i), keep)
	}
	return t.sorted()
}

// topNAmong is topN over the given indexes of scores only (each at most once).
func topNAmong(scores []float32, among []int32, n int, keep func(int32) bool) []int32 {
	if n <= 0 {
		return nil
	}
	t := topHeap{scores: scores, n: n, h: make([]int32, 0, min(n, len(among))+1)}
	for _, i := range among {
		t.offer(i, keep)
	}
	return t.sorted()
}

// topHeap keeps the n best indexes offered, by score and then by lower index (a total
// order, so the result does not depend on the order of the offers).
type topHeap struct {
	scores []float32
	n      int
	h      []int32 // min-heap: the worst kept at h[0]
}

func (t *topHeap) less(a, b int32) bool {
	if t.scores[a] != t.scores[b] {
		return t.scores[a] < t.scores[b]
	}
	return a > b
}

func (t *topHeap) offer(i int32, keep func(int32) bool) {
	s := t.scores[i]
	if s <= 0 || (len(t.h) == t.n && !t.less(t.h[0], i)) {
		return
	}
	if !keep(i) {
		return
	}
	h := append(t.h, i)
	for c := len(h) - 1; c > 0; { // sift up
		par := (c - 1) / 2
		if !t.less(h[c], h[par]) {
			break
		}
		h[c], h[par] = h[par], h[c]
		c = par
	}
	if len(h) > t.n {
		h[0] = h[len(h)-1]
		h = h[:len(h)-1]
		for c := 0; ; { // sift down
			l, r, m := 2*c+1, 2*c+2, c
			if l < len(h) && t.less(h[l], h[m]) {
				m = l
			}
			if r < len(h) && t.less(h[r], h[m]) {
				m = r
			}
			if m == c {
				break
			}
			h[c], h[m] = h[m], h[c]
			c = m
		}
	}
	t.h = h
}

func (t *topHeap) sorted() []int32 {
	h := t.h
	sort.Slice(h, func(a, b int) bool { return t.less(h[b], h[a]) })
	return h
}
