package rank

import (
	"context"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// Popular returns the n most popular available items, optionally within categories.
func (p *Pipeline) Popular(n int, categories []string) []recd.Recommendation {
	l := p.popularSource(n, Rules{Categories: categories}, nil)
	out := make([]recd.Recommendation, 0, len(l.Items))
	for _, s := range l.Items {
		r := ReasonForSource("popular", nil, s.Category)
		r.Text = Sentence(r, p.title)
		score := s.Score
		if i, ok := p.M.ItemIndex[s.ID]; ok {
			score = float64(p.M.Pop.Scores[i])
		}
		out = append(out, recd.Recommendation{ID: s.ID, Score: score, Title: p.title(s.ID), Reasons: []recd.Reason{r}})
	}
	return out
}

// Similarity methods of Similar.
const (
	ByItemKNN = "itemknn"
	ByCF      = "cf"
	ByContent = "content"
	ByHybrid  = "hybrid"
)

// Similar returns up to n items similar to id: by its item-kNN neighbours, by a vector space
// ("cf", "content" or any ingested space), or by a blend of item-kNN, cf and content ("hybrid").
// An empty by picks item-kNN when the item has neighbours and content otherwise. The returned
// string is the method used.
func (p *Pipeline) Similar(ctx context.Context, id string, n int, by string, categories []string) ([]recd.Recommendation, string, error) {
	rules := Rules{Categories: categories, Exclude: []string{id}, AvailableOnly: true}
	if by == "" {
		by = ByContent
		if i, ok := p.M.ItemIndex[id]; ok && p.M.KNN != nil && len(p.M.KNN.Neighbors[i]) > 0 {
			by = ByItemKNN
		}
	}
	var lists []SourceList
	switch by {
	case ByItemKNN:
		lists = append(lists, p.neighbours(id, n*2+10))
	case ByHybrid:
		lists = append(lists, p.neighbours(id, p.Opts.SourceK))
		for _, space := range []string{SpaceCF, SpaceContent} {
			if l, err := p.vectorNeighbours(ctx, id, space, p.Opts.SourceK, rules); err == nil {
				lists = append(lists, l)
			}
		}
	default:
		l, err := p.vectorNeighbours(ctx, id, by, n*2+10, rules)
		if err != nil {
			return nil, by, err
		}
		lists = append(lists, l)
	}
	out, err := p.similarList(id, n, lists, rules)
	return out, by, err
}

// SimilarBySparse returns up to n items similar to id in a sparse space, searched with q, id's
// own vector in that space: an index does not read sparse vectors back, so the caller embeds
// the item again with the model that indexed it. An empty q finds nothing.
func (p *Pipeline) SimilarBySparse(ctx context.Context, id string, n int, space string, q index.SparseVector, categories []string) ([]recd.Recommendation, error) {
	rules := Rules{Categories: categories, Exclude: []string{id}, AvailableOnly: true}
	l := SourceList{Name: space}
	if p.Index != nil && len(q.Indices) > 0 {
		f := rules.IndexFilter()
		hits, err := p.Index.Search(ctx, index.SearchRequest{Space: space, Sparse: &q, K: n*2 + 10, Filter: &f})
		if err != nil {
			return nil, err
		}
		l.Items = make([]SourceScore, len(hits))
		for i, h := range hits {
			l.Items[i] = SourceScore{ID: h.ID, Score: float64(h.Score)}
		}
	}
	return p.similarList(id, n, []SourceList{l}, rules)
}

// similarList blends the source lists of a similar-items request, applies its rules and
// explains the first n as "similar to" id.
func (p *Pipeline) similarList(id string, n int, lists []SourceList, rules Rules) ([]recd.Recommendation, error) {
	cands, err := Blend(lists, BlendOptions{Weights: map[string]float64{"itemknn": 1, "cf": 1, "content": 0.5}, DefaultWeight: 1})
	if err != nil {
		return nil, err
	}
	if cands, err = rules.Apply(cands, p.info); err != nil {
		return nil, err
	}
	if len(cands) > n {
		cands = cands[:n]
	}
	name := p.title(id)
	if name == "" {
		name = id
	}
	for i := range cands {
		for j := range cands[i].Reasons {
			r := &cands[i].Reasons[j]
			r.Type, r.Items, r.Text = ReasonSimilarTo, []string{id}, "Similar to "+name
		}
	}
	Explain(cands, p.title)
	out := make([]recd.Recommendation, 0, len(cands))
	for _, c := range cands {
		out = append(out, recd.Recommendation{ID: c.ID, Score: c.Score, Title: p.title(c.ID), Reasons: ownReasons(c.Reasons)})
	}
	return out, nil
}

// neighbours is id's item-kNN neighbour list as a source.
func (p *Pipeline) neighbours(id string, k int) SourceList {
	l := SourceList{Name: "itemknn"}
	i, ok := p.M.ItemIndex[id]
	if !ok || p.M.KNN == nil {
		return l
	}
	for _, nb := range p.M.KNN.Neighbors[i] {
		if len(l.Items) >= k {
			break
		}
		l.Items = append(l.Items, SourceScore{ID: p.M.Items[nb.Item], Score: float64(nb.Sim)})
	}
	return l
}

// vectorNeighbours searches a space with the item's own vector in it.
func (p *Pipeline) vectorNeighbours(ctx context.Context, id, space string, k int, rules Rules) (SourceList, error) {
	if p.Index == nil {
		return SourceList{}, fmt.Errorf("vector space %q: %w", space, index.ErrUnknownSpace)
	}
	vecs, err := p.Index.Vectors(ctx, space, []string{id})
	if err != nil {
		return SourceList{}, err
	}
	v, ok := vecs[id]
	if !ok {
		return SourceList{Name: space}, nil
	}
	f := rules.IndexFilter()
	l, _ := p.search(ctx, space, space, v, k, &f)
	l.Name = space
	return l, nil
}
