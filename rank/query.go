package rank

import (
	"context"

	"github.com/recd/recd/index"
)

// TextSources are the candidate sources of a request's text: its TF-IDF vector searched in
// the content_sparse space ("query", precise on rare words such as places and creatures) and
// its LSA vector searched in the content space ("content", by meaning). The rules' filters
// are pushed down into both searches. A nil vector skips its source.
func (p *Pipeline) TextSources(ctx context.Context, sparse *index.SparseVector, dense []float32, rules Rules) []SourceList {
	if p.Index == nil {
		return nil
	}
	rules.AvailableOnly = true
	f := rules.IndexFilter()
	var out []SourceList
	if sparse != nil && len(sparse.Indices) > 0 {
		hits, err := p.Index.Search(ctx, index.SearchRequest{Space: SpaceContentSparse, Sparse: sparse, K: p.Opts.SourceK, Filter: &f})
		if err == nil && len(hits) > 0 {
			l := SourceList{Name: "query", Items: make([]SourceScore, len(hits))}
			for i, h := range hits {
				l.Items[i] = SourceScore{ID: h.ID, Score: float64(h.Score)}
			}
			out = append(out, l)
		}
	}
	if dense != nil {
		if l, ok := p.search(ctx, "content", SpaceContent, dense, p.Opts.SourceK, &f); ok && len(l.Items) > 0 {
			out = append(out, l)
		}
	}
	return out
}
