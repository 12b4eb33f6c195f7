package rank

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// ItemMeta is what the pipeline needs to know about a catalog item.
type ItemMeta struct {
	Title      string
	Categories []string
	Available  bool
	Attributes map[string]any
}

// Catalog looks up item metadata. Implementations are safe for concurrent use.
type Catalog interface {
	Item(id string) (ItemMeta, bool)
}

// Models is one trained, immutable model snapshot the pipeline reads.
type Models struct {
	Version   string
	Items     []string         // item index -> id
	ItemIndex map[string]int32 // id -> item index
	Pop       *model.Popularity
	KNN       *model.ItemKNN
}

// Interaction is one item of a user's aggregated history.
type Interaction struct {
	ItemID string
	Weight float64 // summed event weights; <= 0 means the user did not like it
	Last   time.Time
}

// Request is one recommendation request.
type Request struct {
	History     []Interaction
	N           int
	Exclude     []string // never these ids
	Categories  []string // only items in any of these categories (empty: all)
	IncludeSeen bool     // do not drop items in History
}

// Response is a ranked list with the strategy that produced it.
type Response struct {
	Items        []recd.Recommendation `json:"items"`
	Strategy     string                `json:"strategy"`
	ModelVersion string                `json:"model_version"`
}

// Pipeline ranks items for requests against one Models snapshot. Safe for concurrent use.
type Pipeline struct {
	M       *Models
	Catalog Catalog
	scratch sync.Pool // []float32 of len(M.Items)
}

// NewPipeline returns a pipeline over m.
func NewPipeline(m *Models, c Catalog) *Pipeline {
	p := &Pipeline{M: m, Catalog: c}
	n := len(m.Items)
	p.scratch.New = func() any { s := make([]float32, n); return &s }
	return p
}

// filter decides which items may appear in a response.
type filter struct {
	cat     Catalog
	exclude map[string]bool
	cats    map[string]bool
}

func newFilter(c Catalog, req *Request) *filter {
	f := &filter{cat: c, exclude: make(map[string]bool, len(req.Exclude)+len(req.History))}
	for _, id := range req.Exclude {
		f.exclude[id] = true
	}
	if !req.IncludeSeen {
		for _, h := range req.History {
			f.exclude[h.ItemID] = true
		}
	}
	if len(req.Categories) > 0 {
		f.cats = make(map[string]bool, len(req.Categories))
		for _, c := range req.Categories {
			f.cats[c] = true
		}
	}
	return f
}

func (f *filter) keep(id string) (ItemMeta, bool) {
	if f.exclude[id] {
		return ItemMeta{}, false
	}
	meta, ok := f.cat.Item(id)
	if !ok || !meta.Available {
		return meta, false
	}
	if f.cats != nil && !anyIn(meta.Categories, f.cats) {
		return meta, false
	}
	return meta, true
}

func anyIn(xs []string, set map[string]bool) bool {
	for _, x := range xs {
		if set[x] {
			return true
		}
	}
	return false
}

// Recommend ranks items for one user from their current history. A user with no positive
// history gets the popular list.
func (p *Pipeline) Recommend(_ context.Context, req Request) Response {
	f := newFilter(p.Catalog, &req)
	resp := Response{ModelVersion: p.M.Version}
	var items []int32
	var weights []float32
	for _, h := range req.History {
		if i, ok := p.M.ItemIndex[h.ItemID]; ok && h.Weight > 0 {
			items = append(items, i)
			weights = append(weights, float32(h.Weight))
		}
	}
	if len(items) > 0 && p.M.KNN != nil {
		resp.Items = p.knn(items, weights, req.N, f)
		resp.Strategy = "itemknn"
	}
	if len(resp.Items) < req.N {
		seen := make(map[string]bool, len(resp.Items))
		for _, r := range resp.Items {
			seen[r.ID] = true
		}
		pop := p.popular(req.N-len(resp.Items), f, seen)
		if len(pop) > 0 {
			if resp.Strategy == "" {
				resp.Strategy = "popularity"
			} else {
				resp.Strategy += "+popularity"
			}
		}
		resp.Items = append(resp.Items, pop...)
	}
	if resp.Strategy == "" {
		resp.Strategy = "popularity"
	}
	if resp.Items == nil {
		resp.Items = []recd.Recommendation{}
	}
	return resp
}

// knn scores items from the history's neighbours and explains each by the history items
// that contributed most.
func (p *Pipeline) knn(items []int32, weights []float32, n int, f *filter) []recd.Recommendation {
	bufp := p.scratch.Get().(*[]float32)
	defer p.scratch.Put(bufp)
	dst := *bufp
	p.M.KNN.Score(-1, items, weights, dst)
	top := topN(dst, n, func(i int32) bool {
		_, ok := f.keep(p.M.Items[i])
		return ok
	})
	out := make([]recd.Recommendation, 0, len(top))
	for _, i := range top {
		if dst[i] <= 0 {
			break
		}
		id := p.M.Items[i]
		meta, _ := f.cat.Item(id)
		out = append(out, recd.Recommendation{ID: id, Score: float64(dst[i]), Title: meta.Title})
	}
	p.explainKNN(out, top[:len(out)], items, weights)
	return out
}

// explainKNN gives each recommended item a similar_to reason naming the (up to three) history
// items that contributed most to its score, in one pass over the history's neighbour lists.
func (p *Pipeline) explainKNN(recs []recd.Recommendation, top, items []int32, weights []float32) {
	type contrib struct {
		item int32
		v    float32
	}
	pos := make(map[int32]int, len(top))
	for n, i := range top {
		pos[i] = n
	}
	cs := make([][]contrib, len(top))
	k := p.M.KNN.Opts.ScoreNeighbors
	for n, j := range items {
		nbs := p.M.KNN.Neighbors[j]
		if k > 0 && len(nbs) > k {
			nbs = nbs[:k]
		}
		for _, nb := range nbs {
			if r, ok := pos[nb.Item]; ok {
				cs[r] = append(cs[r], contrib{j, nb.Sim * weights[n]})
			}
		}
	}
	for r := range recs {
		c := cs[r]
		sort.Slice(c, func(a, b int) bool { return c[a].v > c[b].v })
		if len(c) > 3 {
			c = c[:3]
		}
		reason := recd.Reason{Type: "similar_to", Source: "itemknn"}
		var titles []string
		for _, x := range c {
			id := p.M.Items[x.item]
			reason.Items = append(reason.Items, id)
			meta, _ := p.Catalog.Item(id)
			t := meta.Title
			if t == "" {
				t = id
			}
			titles = append(titles, t)
		}
		if len(titles) > 0 {
			reason.Text = "Because you liked " + joinTitles(titles)
		}
		recs[r].Reasons = []recd.Reason{reason}
	}
}

func joinTitles(ts []string) string {
	switch len(ts) {
	case 1:
		return ts[0]
	case 2:
		return ts[0] + " and " + ts[1]
	default:
		return fmt.Sprintf("%s, %s and %s", ts[0], ts[1], ts[2])
	}
}

// Popular returns the n most popular available items, optionally within categories.
func (p *Pipeline) Popular(n int, categories []string) []recd.Recommendation {
	f := newFilter(p.Catalog, &Request{Categories: categories})
	return p.popular(n, f, nil)
}

func (p *Pipeline) popular(n int, f *filter, skip map[string]bool) []recd.Recommendation {
	out := []recd.Recommendation{}
	if p.M.Pop == nil {
		return out
	}
	for _, i := range p.M.Pop.Order {
		if len(out) >= n {
			break
		}
		id := p.M.Items[i]
		if skip[id] {
			continue
		}
		meta, ok := f.keep(id)
		if !ok {
			continue
		}
		r := recd.Reason{Type: "popular", Source: "popularity", Text: "Popular with everyone"}
		if len(f.cats) > 0 {
			for _, c := range meta.Categories {
				if f.cats[c] {
					r = recd.Reason{Type: "popular_in", Category: c, Source: "popularity", Text: "Popular in " + c}
					break
				}
			}
		}
		out = append(out, recd.Recommendation{ID: id, Score: float64(p.M.Pop.Scores[i]), Title: meta.Title,
			Reasons: []recd.Reason{r}})
	}
	return out
}

// Similar returns up to n items most similar to id by item-kNN, filtered like a request.
// ok is false when the model knows nothing about id.
func (p *Pipeline) Similar(id string, n int, categories []string) ([]recd.Recommendation, bool) {
	i, ok := p.M.ItemIndex[id]
	if !ok || p.M.KNN == nil || len(p.M.KNN.Neighbors[i]) == 0 {
		return nil, false
	}
	f := newFilter(p.Catalog, &Request{Categories: categories, Exclude: []string{id}})
	meta, _ := p.Catalog.Item(id)
	title := meta.Title
	if title == "" {
		title = id
	}
	out := []recd.Recommendation{}
	for _, nb := range p.M.KNN.Neighbors[i] {
		if len(out) >= n {
			break
		}
		nid := p.M.Items[nb.Item]
		m, ok := f.keep(nid)
		if !ok {
			continue
		}
		out = append(out, recd.Recommendation{ID: nid, Score: float64(nb.Sim), Title: m.Title,
			Reasons: []recd.Reason{{Type: "similar_to", Items: []string{id}, Source: "itemknn",
				Text: "Often chosen together with " + title}}})
	}
	return out, true
}

// topN returns the indexes of the n highest scores for which keep is true, best first.
func topN(scores []float32, n int, keep func(int32) bool) []int32 {
	h := make([]int32, 0, n+1) // min-heap by score
	less := func(a, b int32) bool {
		if scores[a] != scores[b] {
			return scores[a] < scores[b]
		}
		return a > b
	}
	for i := range scores {
		s := scores[i]
		if s <= 0 || (len(h) == n && !less(h[0], int32(i))) {
			continue
		}
		if !keep(int32(i)) {
			continue
		}
		h = append(h, int32(i))
		for c := len(h) - 1; c > 0; { // sift up
			par := (c - 1) / 2
			if !less(h[c], h[par]) {
				break
			}
			h[c], h[par] = h[par], h[c]
			c = par
		}
		if len(h) > n {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
			for c := 0; ; { // sift down
				l, r, m := 2*c+1, 2*c+2, c
				if l < len(h) && less(h[l], h[m]) {
					m = l
				}
				if r < len(h) && less(h[r], h[m]) {
					m = r
				}
				if m == c {
					break
				}
				h[c], h[m] = h[m], h[c]
				c = m
			}
		}
	}
	sort.Slice(h, func(a, b int) bool { return less(h[b], h[a]) })
	return h
}
