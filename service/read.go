package service

import (
	"context"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// RecommendRequest is a user's recommendation request.
type RecommendRequest struct {
	UserID     string
	N          int
	Exclude    []string
	Categories []string
}

// ErrNoModel is returned by reads that need a trained model before one exists.
var ErrNoModel = fmt.Errorf("no trained model yet: run training first: %w", recd.ErrUnavailable)

func (s *Service) pipeline() (*rank.Pipeline, error) {
	sv := s.snap.Load()
	if sv == nil {
		return nil, ErrNoModel
	}
	return sv.pipeline, nil
}

func (s *Service) checkN(n int) error {
	if n < 1 || n > s.opts.Limits.MaxN {
		return recd.Invalid("n", fmt.Sprintf("must be between 1 and %d", s.opts.Limits.MaxN))
	}
	return nil
}

// Recommend ranks items for a user from their live history. An unknown user is not an error:
// they get the popular list.
func (s *Service) Recommend(ctx context.Context, req RecommendRequest) (rank.Response, error) {
	if err := s.opts.Limits.validID("user_id", req.UserID); err != nil {
		return rank.Response{}, err
	}
	if err := s.checkN(req.N); err != nil {
		return rank.Response{}, err
	}
	p, err := s.pipeline()
	if err != nil {
		return rank.Response{}, err
	}
	resp := p.Recommend(ctx, rank.Request{History: s.History(req.UserID), N: req.N,
		Exclude: req.Exclude, Categories: req.Categories})
	s.Metrics.Recommendations.WithLabelValues(resp.Strategy).Inc()
	return resp, nil
}

// Similar returns items similar to id. An id not in the catalog is ErrNotFound; an item the
// model knows nothing about yet gets popular items sharing its categories.
func (s *Service) Similar(_ context.Context, id string, n int, categories []string) (rank.Response, error) {
	if err := s.checkN(n); err != nil {
		return rank.Response{}, err
	}
	meta, ok := s.Item(id)
	if !ok {
		return rank.Response{}, fmt.Errorf("item %q: %w", id, recd.ErrNotFound)
	}
	p, err := s.pipeline()
	if err != nil {
		return rank.Response{}, err
	}
	if items, ok := p.Similar(id, n, categories); ok {
		return rank.Response{Items: items, Strategy: "itemknn", ModelVersion: p.M.Version}, nil
	}
	cats := categories
	if len(cats) == 0 {
		cats = meta.Categories
	}
	items := p.Popular(n+1, cats)
	out := items[:0]
	for _, it := range items {
		if it.ID != id && len(out) < n {
			out = append(out, it)
		}
	}
	return rank.Response{Items: out, Strategy: "popularity", ModelVersion: p.M.Version}, nil
}

// Popular returns the most popular items, optionally within categories.
func (s *Service) Popular(_ context.Context, n int, categories []string) (rank.Response, error) {
	if err := s.checkN(n); err != nil {
		return rank.Response{}, err
	}
	p, err := s.pipeline()
	if err != nil {
		return rank.Response{}, err
	}
	return rank.Response{Items: p.Popular(n, categories), Strategy: "popularity", ModelVersion: p.M.Version}, nil
}

// Trending returns the items with the highest time-decayed interaction score, live.
func (s *Service) Trending(_ context.Context, n int, categories []string) (rank.Response, error) {
	if err := s.checkN(n); err != nil {
		return rank.Response{}, err
	}
	cats := map[string]bool{}
	for _, c := range categories {
		cats[c] = true
	}
	s.mu.RLock()
	ids, scores := s.trending.Top(n, func(id string) bool {
		m, ok := s.catalog[id]
		if !ok || !m.Available {
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
	})
	out := make([]recd.Recommendation, len(ids))
	for i, id := range ids {
		out[i] = recd.Recommendation{ID: id, Score: scores[i], Title: s.catalog[id].Title,
			Reasons: []recd.Reason{{Type: "trending", Source: "trending", Text: "Trending now"}}}
	}
	s.mu.RUnlock()
	version := ""
	if sv := s.snap.Load(); sv != nil {
		version = sv.info.Version
	}
	return rank.Response{Items: out, Strategy: "trending", ModelVersion: version}, nil
}
