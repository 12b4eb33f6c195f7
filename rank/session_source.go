package rank

import (
	"context"
	"slices"
	"sort"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/recd/recd/index"
)

// sessionSource lists the neighbours of the session's recent items alone, both named
// "session": their item-kNN neighbours, and the items most similar to them by content (the
// mean content similarity to the recent items, over each one's sessionNeighbours nearest).
// The history's sources weigh a few new clicks against everything the user did before
// (and may come from the SourceCache), so without it three clicks of a new kind could only
// re-order candidates of the old kinds; this source brings candidates of the new kind, and
// the session boost then ranks them. Computed on every request that has a session; an
// item's content neighbours are searched once per model (see contentNeighbours), so the
// source costs a few map lookups per recent item.
func (p *Pipeline) sessionSource(ctx context.Context, recent []string, excl exclusion, k int) []SourceList {
	var out []SourceList
	var clicked []Interaction // the recent items the model knows, weighing 1 each
	for _, id := range recent {
		if _, ok := p.M.ItemIndex[id]; ok {
			clicked = append(clicked, Interaction{ItemID: id, Weight: 1})
		}
	}
	if p.M.KNN != nil && len(clicked) > 0 {
		l := p.knnSource(clicked, excl, k)
		l.Name = "session"
		out = append(out, l)
	}
	if p.Index == nil {
		return out
	}
	// Sum each neighbour's similarities over the recent items, as knnTop sums item-kNN
	// similarities: model items in the pooled scratch, the few items added since training
	// in a map.
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
	var extra map[string]float64
	isRecent := func(id string) bool { return slices.Contains(recent, id) }
	for _, r := range recent {
		nb := p.contentNeighbours(ctx, r)
		for n, i := range nb.items {
			if excl.has(i) || isRecent(p.M.Items[i]) {
				continue
			}
			if !seen[i] {
				seen[i] = true
				touched = append(touched, i)
			}
			dst[i] += nb.sims[n]
		}
		for _, x := range nb.extra {
			if !isRecent(x.ID) {
				if extra == nil {
					extra = map[string]float64{}
				}
				extra[x.ID] += x.Score
			}
		}
	}
	inv := 1 / float64(len(recent))
	l := SourceList{Name: "session"}
	top := topNAmong(dst, touched, k, func(int32) bool { return true })
	for _, i := range top {
		l.Items = append(l.Items, SourceScore{ID: p.M.Items[i], Score: float64(dst[i]) * inv})
	}
	for id, v := range extra { // new items: merged by score, the list cut at k again
		l.Items = append(l.Items, SourceScore{ID: id, Score: v * inv})
	}
	if len(extra) > 0 {
		sort.Slice(l.Items, func(a, b int) bool {
			x, y := l.Items[a], l.Items[b]
			return x.Score > y.Score || x.Score == y.Score && x.ID < y.ID
		})
		l.Items = l.Items[:min(k, len(l.Items))]
	}
	if len(l.Items) == 0 {
		return out
	}
	return append(out, l) // the session boost names the recent items each resembles
}

// contentNb is one item's content neighbours: model items by index, items added since
// training by id.
type contentNb struct {
	items []int32
	sims  []float32
	extra []SourceScore
}

// sessionNeighbours is how many content neighbours of a recent item the session source
// considers.
const sessionNeighbours = 50

// contentNeighbours returns the sessionNeighbours items nearest to id by content (cosine,
// id itself left out), unfiltered: availability and what a user has seen are checked by
// the caller and the later stages. Each item's list is searched once and kept (up to
// contentNeighbourItems items, least recently used dropped) until ContentChanged; empty
// when id has no content vector.
func (p *Pipeline) contentNeighbours(ctx context.Context, id string) contentNb {
	p.nbMu.Lock()
	if p.nb == nil {
		p.nb, _ = lru.NewLRU[string, contentNb](contentNeighbourItems, nil)
	}
	l, ok := p.nb.Get(id)
	gen := p.vecsGen.Load()
	p.nbMu.Unlock()
	if ok {
		return l
	}
	vec := p.meanContent(ctx, []string{id})
	if vec == nil {
		return l
	}
	hits, err := p.Index.Search(ctx, index.SearchRequest{Space: SpaceContent, Vector: vec, K: sessionNeighbours + 1})
	if err != nil {
		return l
	}
	for _, h := range hits {
		switch i, ok := p.M.ItemIndex[h.ID]; {
		case h.ID == id:
		case ok:
			l.items, l.sims = append(l.items, i), append(l.sims, h.Score)
		default:
			l.extra = append(l.extra, SourceScore{ID: h.ID, Score: float64(h.Score)})
		}
	}
	p.nbMu.Lock()
	if p.vecsGen.Load() == gen { // no content change while searching: keep it
		p.nb.Add(id, l)
	}
	p.nbMu.Unlock()
	return l
}

// contentNeighbourItems bounds the items whose content neighbours a pipeline keeps (about
// 1 KB each).
const contentNeighbourItems = 50000

// meanContent returns the sum of the items' unit content vectors (a direction: its norm does
// not matter to a cosine search), from the pipeline's copy for model items and from the
// index for the others; nil when none has one.
func (p *Pipeline) meanContent(ctx context.Context, ids []string) []float32 {
	var mean []float32
	var missing []string
	if cv := p.contentVectors(ctx); cv != nil {
		for _, id := range ids {
			i, ok := p.M.ItemIndex[id]
			row := []float32(nil)
			if ok {
				row = cv.row(i)
			}
			if row == nil {
				missing = append(missing, id)
				continue
			}
			if mean == nil {
				mean = make([]float32, cv.dim)
			}
			for k, x := range row {
				mean[k] += x
			}
		}
	} else {
		missing = ids
	}
	if len(missing) == 0 {
		return mean
	}
	vecs, err := p.Index.Vectors(ctx, SpaceContent, missing)
	if err != nil || len(vecs) == 0 {
		return mean
	}
	dim := commonDim(vecs)
	if mean != nil {
		dim = len(mean)
	}
	unit := make([]float32, dim)
	for _, id := range missing {
		if v, ok := vecs[id]; ok && normaliseInto(unit, v) {
			if mean == nil {
				mean = make([]float32, dim)
			}
			for k, x := range unit {
				mean[k] += x
			}
		}
	}
	return mean
}
