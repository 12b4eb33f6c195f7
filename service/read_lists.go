package service

import (
	"context"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// Similar returns items similar to id by item-kNN, a vector space, or a hybrid of both (see
// rank.Pipeline.Similar). An id not in the catalog is ErrNotFound.
func (s *reader) Similar(ctx context.Context, id string, n int, by string, categories []string) (rank.Response, error) {
	if err := s.checkN(n); err != nil {
		return rank.Response{}, err
	}
	if _, ok := s.live.Item(id); !ok {
		return rank.Response{}, fmt.Errorf("item %q: %w", id, recd.ErrNotFound)
	}
	if by != "" && by != rank.ByItemKNN && by != rank.ByHybrid {
		if _, ok := s.vec.space(by); !ok {
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
	items, used, err := p.Similar(ctx, id, n, by, categories)
	if err != nil {
		return rank.Response{}, err
	}
	return rank.Response{Items: items, Strategy: used, ModelVersion: p.M.Version}, nil
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
