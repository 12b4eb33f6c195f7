package service

import (
	"context"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// RecommendRequest is a recommendation request. UserID, SessionID and ContextItems may each be
// empty, but not all of them.
type RecommendRequest struct {
	UserID       string
	SessionID    string
	ContextItems []string
	N            int
	Rules        rank.Rules
	// Per-request knobs (nil: the configured default).
	Diversity, Calibration, LongTailShare, SessionWeight, ExposureStrength *float64
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

func checkUnit(field string, v *float64) error {
	if v != nil && !(*v >= 0 && *v <= 1) {
		return recd.Invalid(field, "must be between 0 and 1")
	}
	return nil
}

// Recommend ranks items for a user (from their live history and session) or for an anonymous
// session (from its context items). An unknown user is not an error: they get the popular list.
func (s *Service) Recommend(ctx context.Context, req RecommendRequest) (rank.Response, error) {
	l := s.opts.Limits
	if req.UserID == "" && req.SessionID == "" && len(req.ContextItems) == 0 {
		return rank.Response{}, recd.Invalid("user_id", "give a user_id, a session_id or context_items")
	}
	if req.UserID != "" {
		if err := l.validID("user_id", req.UserID); err != nil {
			return rank.Response{}, err
		}
	}
	if req.SessionID != "" {
		if err := l.validID("session_id", req.SessionID); err != nil {
			return rank.Response{}, err
		}
	}
	if len(req.ContextItems) > l.MaxListLength {
		return rank.Response{}, recd.Invalid("context_items", fmt.Sprintf("has more than %d items", l.MaxListLength))
	}
	for i, id := range req.ContextItems {
		if err := l.validID(fmt.Sprintf("context_items[%d]", i), id); err != nil {
			return rank.Response{}, err
		}
	}
	if err := s.checkN(req.N); err != nil {
		return rank.Response{}, err
	}
	for f, v := range map[string]*float64{"diversity": req.Diversity, "calibration": req.Calibration,
		"long_tail_share": req.LongTailShare, "session_weight": req.SessionWeight} {
		if err := checkUnit(f, v); err != nil {
			return rank.Response{}, err
		}
	}
	if v := req.ExposureStrength; v != nil && !(*v >= 0 && *v <= 10) {
		return rank.Response{}, recd.Invalid("exposure_strength", "must be between 0 and 10")
	}
	if err := req.Rules.Validate(); err != nil {
		return rank.Response{}, err
	}
	p, err := s.pipeline()
	if err != nil {
		return rank.Response{}, err
	}
	n := p.Opts.SessionN
	uv := s.viewUser(ctx, &req, n) // shared (Redis) or in-process sessions and generation
	key, gen, catalog := "", uv.gen, s.cache.generation()
	if uv.cacheable {
		key = cacheKey(&req)
	}
	if resp, ok := s.cache.get(key, p.M.Version, gen); ok {
		s.Metrics.Recommendations.WithLabelValues(resp.Strategy).Inc()
		s.Metrics.CacheHits.Inc()
		return resp, nil
	}
	if resp, ok := s.precomputed(&req, p, &uv); ok {
		s.Metrics.Recommendations.WithLabelValues(resp.Strategy).Inc()
		return resp, nil
	}
	rr := rank.Request{N: req.N, ContextItems: req.ContextItems, Rules: req.Rules, Diversity: req.Diversity,
		Calibration: req.Calibration, LongTailShare: req.LongTailShare, SessionWeight: req.SessionWeight,
		ExposureStrength: req.ExposureStrength}
	if req.UserID != "" {
		rr.History = s.History(req.UserID)
		if !uv.cacheable { // Redis has events for this user the follower has not applied yet
			rr.History = s.withUnfollowed(rr.History, uv.user)
		}
		rr.SourceCache, rr.SourceKey = s.sources, req.UserID
		rr.Recent = rank.RecentItems(uv.user, n)
	}
	if req.SessionID != "" {
		rr.Recent = append(rank.RecentItems(uv.session, n), rr.Recent...)
	}
	resp, err := p.Recommend(ctx, rr)
	if err != nil {
		return rank.Response{}, err
	}
	if key != "" {
		s.Metrics.CacheMisses.Inc()
		s.cache.put(key, p.M.Version, gen, catalog, resp)
	}
	s.shareImpressions(p, &resp)
	s.Metrics.Recommendations.WithLabelValues(resp.Strategy).Inc()
	return resp, nil
}

// Similar returns items similar to id by item-kNN, a vector space, or a hybrid of both (see
// rank.Pipeline.Similar). An id not in the catalog is ErrNotFound.
func (s *Service) Similar(ctx context.Context, id string, n int, by string, categories []string) (rank.Response, error) {
	if err := s.checkN(n); err != nil {
		return rank.Response{}, err
	}
	if _, ok := s.Item(id); !ok {
		return rank.Response{}, fmt.Errorf("item %q: %w", id, recd.ErrNotFound)
	}
	if by != "" && by != rank.ByItemKNN && by != rank.ByHybrid {
		if _, ok := s.space(by); !ok {
			return rank.Response{}, recd.Invalid("by", fmt.Sprintf("%q is neither itemknn, hybrid nor a vector space (see GET /v1/spaces)", by))
		}
	}
	p, err := s.pipeline()
	if err != nil {
		if by == "" || by == rank.ByItemKNN || by == rank.ByHybrid {
			return rank.Response{}, err
		}
		// A vector space needs no trained model: search it with an empty model snapshot.
		p = rank.NewPipeline(&rank.Models{ItemIndex: map[string]int32{}}, s, s.idx, nil, s.opts.Rank)
	}
	items, used, err := p.Similar(ctx, id, n, by, categories)
	if err != nil {
		return rank.Response{}, err
	}
	return rank.Response{Items: items, Strategy: used, ModelVersion: p.M.Version}, nil
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
	return rank.Response{Items: p.Popular(n, categories), Strategy: rank.StrategyPopularity, ModelVersion: p.M.Version}, nil
}

// Trending returns the items with the highest time-decayed interaction score, live.
func (s *Service) Trending(ctx context.Context, n int, categories []string) (rank.Response, error) {
	if err := s.checkN(n); err != nil {
		return rank.Response{}, err
	}
	if resp, ok := s.sharedTrending(ctx, n, categories); ok {
		return resp, nil
	}
	keep := trendingKeep(categories)
	s.mu.RLock()
	ids, scores := s.trending.Top(n, func(id string) bool { return keep(s.catalog[id]) })
	resp := s.trendingResponse(ids, scores, func(id string) string { return s.catalog[id].Title })
	s.mu.RUnlock()
	return resp, nil
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

// trendingResponse makes the answer of a trending list, from the shared counter or the
// in-process one.
func (s *Service) trendingResponse(ids []string, scores []float64, title func(string) string) rank.Response {
	out := make([]recd.Recommendation, len(ids))
	for i, id := range ids {
		out[i] = recd.Recommendation{ID: id, Score: scores[i], Title: title(id),
			Reasons: []recd.Reason{{Type: rank.ReasonTrending, Source: "trending", Text: "Trending now"}}}
	}
	version := ""
	if sv := s.snap.Load(); sv != nil {
		version = sv.info.Version
	}
	return rank.Response{Items: out, Strategy: "trending", ModelVersion: version}
}
