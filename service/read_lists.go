package service

import (
	"context"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/rank"
)

// Similar returns items similar to id by item-kNN, a vector space, dense or sparse, or a
// hybrid of both (see rank.Pipeline.Similar). An id not in the catalog is ErrNotFound. item
// reads the whole item (its text), which a sparse space's query is embedded from.
// The list gets a recommendation id and is recorded as an anonymous impression.
func (s *reader) Similar(ctx context.Context, id string, n int, by string, categories []string, item itemGetter) (rank.Response, error) {
	resp, err := s.similar(ctx, id, n, by, categories, item)
	if err != nil {
		return rank.Response{}, err
	}
	resp.RecommendationID = s.imp.served(RouteSimilar, "", "", resp.Strategy, resp.ModelVersion, resp.Items)
	return resp, nil
}

func (s *reader) similar(ctx context.Context, id string, n int, by string, categories []string, item itemGetter) (rank.Response, error) {
	if err := s.checkN(n); err != nil {
		return rank.Response{}, err
	}
	if _, ok := s.live.Item(id); !ok {
		return rank.Response{}, fmt.Errorf("item %q: %w", id, recd.ErrNotFound)
	}
	var space index.SpaceConfig
	if by != "" && by != rank.ByItemKNN && by != rank.ByHybrid {
		var ok bool
		if space, ok = s.vec.space(by); !ok {
			return rank.Response{}, recd.Invalid("by", fmt.Sprintf("%q is neither itemknn, hybrid nor a vector space (see GET /v1/spaces)", by))
		}
	}
	p, err := s.pipeline()
	if err != nil {
		if by == "" || by == rank.ByItemKNN || by == rank.ByHybrid {
			return rank.Response{}, err
		}
		// A vector space needs no trained model: search it with an empty model snapshot.
		p = rank.NewPipeline(&rank.Models{ItemIndex: map[string]int32{}}, s.live, s.vec.idx, nil, s.opts.Rank)
	}
	if space.Sparse {
		items, err := s.similarSparse(ctx, p, id, n, by, categories, item)
		if err != nil {
			return rank.Response{}, err
		}
		return rank.Response{Items: items, Strategy: by, ModelVersion: p.M.Version}, nil
	}
	items, used, err := p.Similar(ctx, id, n, by, categories)
	if err != nil {
		return rank.Response{}, err
	}
	return rank.Response{Items: items, Strategy: used, ModelVersion: p.M.Version}, nil
}

// itemGetter reads one item from the store.
type itemGetter func(ctx context.Context, id string) (recd.Item, error)

// similarSparse searches the sparse space with id's vector in it, embedded again from the item
// by the serving content model, which wrote the space (content_sparse): the index cannot
// read a sparse vector back. Without a content model the space is empty and so is the list;
// so is any other sparse space, since only the content model writes sparse vectors.
func (s *reader) similarSparse(ctx context.Context, p *rank.Pipeline, id string, n int, space string, categories []string, item itemGetter) ([]recd.Recommendation, error) {
	var q index.SparseVector
	if sv := s.snap.Load(); sv != nil && sv.content != nil && space == rank.SpaceContentSparse {
		it, err := item(ctx, id)
		if err != nil {
			return nil, err
		}
		q, _, _ = sv.content.EmbedItem(it)
	}
	return p.SimilarBySparse(ctx, id, n, space, q, categories)
}

// Popular returns the most popular items, optionally within categories.
func (s *reader) Popular(_ context.Context, n int, categories []string) (rank.Response, error) {
	if err := s.checkN(n); err != nil {
		return rank.Response{}, err
	}
	p, err := s.pipeline()
	if err != nil {
		return rank.Response{}, err
	}
	return rank.Response{Items: p.Popular(n, categories), Strategy: rank.StrategyPopularity, ModelVersion: p.M.Version}, nil
}

// Trending returns the items with the highest time-decayed interaction score, live: from the
// shared counter with Redis, from the in-process one otherwise (or when Redis cannot answer).
func (s *reader) Trending(ctx context.Context, n int, categories []string) (rank.Response, error) {
	if err := s.checkN(n); err != nil {
		return rank.Response{}, err
	}
	ids, scores, titles := s.live.trending(ctx, n, trendingKeep(categories))
	out := make([]recd.Recommendation, len(ids))
	for i, id := range ids {
		out[i] = recd.Recommendation{ID: id, Score: scores[i], Title: titles[i],
			Reasons: []recd.Reason{{Type: rank.ReasonTrending, Source: "trending", Text: "Trending now"}}}
	}
	version := ""
	if sv := s.snap.Load(); sv != nil {
		version = sv.info.Version
	}
	return rank.Response{Items: out, Strategy: "trending", ModelVersion: version}, nil
}

// trendingKeep is the filter of a trending list: available items, within categories when
// any are given. It takes nil for an item not in the catalog.
func trendingKeep(categories []string) func(*rank.ItemMeta) bool {
	cats := map[string]bool{}
	for _, c := range categories {
		cats[c] = true
	}
	return func(m *rank.ItemMeta) bool {
		if m == nil || !m.Available {
			return false
		}
		if len(cats) == 0 {
			return true
		}
		for _, c := range m.Categories {
			if cats[c] {
				return true
			}
		}
		return false
	}
}
