package service

import (
	"context"
	"fmt"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
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
	// Rotation in [0, 1] demotes the items the user was shown before without interacting
	// with them (nil: rank.rotation).
	Rotation *float64

	// page is set when the request is a next page of a served list (Next).
	page *nextPage
	// preview is set for an operator's preview (PreviewExperiment): the list is shown to no
	// user, so it counts toward no exposure or rotation.
	preview bool
	// uncounted is set for one of an interleaved request's two rankings: only the merged list
	// is shown, and countShown counts that, so this ranking counts toward no exposure or
	// rotation.
	uncounted bool
	// logFeatures is set when the list is sampled for feature logging (ranker.log_features):
	// it is ranked afresh (no cached or precomputed list) and its impression keeps the
	// ranker's feature rows of its items.
	logFeatures bool

	// Weights overrides blend weights by source (nil: the configured ones); a running
	// experiment's variant sets it, as it sets blendOnly (the variant turns the learned ranker
	// off) and modelVersion (the variant is served by that saved version; "" the current).
	Weights      map[string]float64
	blendOnly    bool
	modelVersion string
}

// validate checks a recommendation request against the limits.
func (req *RecommendRequest) validate(l Limits) error {
	if req.UserID == "" && req.SessionID == "" && len(req.ContextItems) == 0 {
		return recd.Invalid("user_id", "give a user_id, a session_id or context_items")
	}
	if req.UserID != "" {
		if err := l.validID("user_id", req.UserID); err != nil {
			return err
		}
	}
	if req.SessionID != "" {
		if err := l.validID("session_id", req.SessionID); err != nil {
			return err
		}
	}
	if len(req.ContextItems) > l.MaxListLength {
		return recd.Invalid("context_items", fmt.Sprintf("has more than %d items", l.MaxListLength))
	}
	for i, id := range req.ContextItems {
		if err := l.validID(fmt.Sprintf("context_items[%d]", i), id); err != nil {
			return err
		}
	}
	if req.N < 1 || req.N > l.MaxN {
		return recd.Invalid("n", fmt.Sprintf("must be between 1 and %d", l.MaxN))
	}
	// A slice, not a map: no allocation per request, and the first bad knob in a fixed order.
	for _, k := range [...]struct {
		field string
		v     *float64
	}{{"diversity", req.Diversity}, {"calibration", req.Calibration}, {"long_tail_share", req.LongTailShare},
		{"session_weight", req.SessionWeight}, {"rotation", req.Rotation}} {
		if err := checkUnit(k.field, k.v); err != nil {
			return err
		}
	}
	if v := req.ExposureStrength; v != nil && !(*v >= 0 && *v <= 10) {
		return recd.Invalid("exposure_strength", "must be between 0 and 10")
	}
	return req.Rules.Validate()
}

// Recommend ranks items for a user (from their live history and session) or for an anonymous
// session (from its context items). An unknown user is not an error: they get the popular
// list. ctx is passed to the pipeline as it is. Every list served, from the cache or not, gets
// its own recommendation id and is recorded as an impression, under the user's gate.
func (s *reader) Recommend(ctx context.Context, req RecommendRequest) (rank.Response, error) {
	if err := req.validate(s.opts.Limits); err != nil {
		return rank.Response{}, err
	}
	// The impression keeps the request (or, for a next page, its first page's), for next pages.
	im := store.Impression{Route: RouteRecommend, UserID: req.UserID, SessionID: req.SessionID}
	if req.page != nil {
		im.Parent, im.Params = req.page.parent, req.page.params
	} else if s.imp != nil {
		im.Params = encodePageParams(&req)
	}
	if req.UserID != "" {
		defer s.gate.rlock(req.UserID)()
	}
	if x := s.exps.current(); x != nil {
		if unit := x.unitOf(&req); unit != "" {
			return s.recommendIn(ctx, req, x, unit, im)
		}
	}
	req.logFeatures = req.UserID != "" && req.page == nil && s.imp != nil && sampled(s.opts.Ranker.LogFeatures)
	resp, err := s.recommend(ctx, req)
	if err != nil {
		return rank.Response{}, err
	}
	now := time.Now()
	im.ID, im.Time, im.Strategy, im.ModelVersion = newRecommendationID(now), now, resp.Strategy, resp.ModelVersion
	if f := resp.Features; f != nil {
		im.Features, resp.Features = &store.FeatureLog{Names: f.Names, Rows: f.Rows}, nil
		s.swapForPropensity(im.ID, &resp, im.Features)
	}
	resp.RecommendationID = s.imp.record(im, resp.Items)
	return resp, nil
}

// recommend answers a validated request from the response cache, the precomputed lists or the
// pipeline. The caller holds the user's gate shared.
func (s *reader) recommend(ctx context.Context, req RecommendRequest) (rank.Response, error) {
	p, fallback, err := s.pipelineFor(req.modelVersion)
	if err != nil {
		return rank.Response{}, err
	}
	resp, err := s.recommendBy(ctx, p, req)
	resp.ModelFallback = fallback
	return resp, err
}

// pipelineFor is the pipeline that serves a model version ("" the current one); when a
// pinned version is not loaded it is the current one's, and fallback says why.
func (s *reader) pipelineFor(version string) (p *rank.Pipeline, fallback string, err error) {
	sv := s.snap.Load()
	if sv == nil {
		return nil, "", ErrNoModel
	}
	if version == "" || s.exps == nil || s.exps.pins == nil {
		return sv.pipeline, "", nil
	}
	p, fallback = s.exps.pins.pipeline(sv, version)
	return p, fallback, nil
}

// recommendBy answers req by pipeline p (see recommend).
func (s *reader) recommendBy(ctx context.Context, p *rank.Pipeline, req RecommendRequest) (rank.Response, error) {
	// Shared (Redis) or in-process sessions and generation.
	uv := s.live.viewUser(ctx, req.UserID, req.SessionID, plainRequest(&req), p.Opts.SessionN)
	cache := s.live.responses()
	rotating := req.UserID != "" && pickKnob(req.Rotation, p.Opts.Rotation) > 0
	key, gen, catalog := "", uv.gen, cache.generation()
	if uv.cacheable && !rotating && req.page == nil && !req.logFeatures {
		key = cacheKey(&req)
	}
	if resp, ok := cache.get(key, p.M.Version, gen); ok {
		s.metrics.Recommendations.WithLabelValues(resp.Strategy).Inc()
		s.metrics.CacheHits.Inc()
		return resp, nil
	}
	if !rotating && !req.logFeatures && !req.blendOnly {
		if resp, ok := s.precomputed(&req, p, &uv); ok {
			s.metrics.Recommendations.WithLabelValues(resp.Strategy).Inc()
			return resp, nil
		}
	}
	rr := s.rankRequest(&req, &uv, p.Opts.SessionN)
	rr.NoRecord = req.preview || req.uncounted
	now := time.Now()
	if rotating {
		rr.Shown = s.rot.shown(req.UserID, rr.History, now)
	}
	resp, err := p.Recommend(ctx, rr)
	if err != nil {
		return rank.Response{}, err
	}
	if resp.HistoryCut > 0 {
		s.metrics.HistoryCut.Inc()
	}
	if key != "" {
		s.metrics.CacheMisses.Inc()
		if resp.RankerFallback == "" { // a fallback list is not kept past the remote ranker's outage
			cache.put(key, p.M.Version, gen, catalog, resp)
		}
	}
	if req.preview || req.uncounted {
		return resp, nil
	}
	if rotating {
		s.rot.record(req.UserID, resp.Items, rr.History, now)
	}
	s.shareImpressions(req.UserID, p, &resp)
	s.metrics.Recommendations.WithLabelValues(resp.Strategy).Inc()
	return resp, nil
}

// pickKnob is *v, or def when v is nil.
func pickKnob(v *float64, def float64) float64 {
	if v != nil {
		return *v
	}
	return def
}

// rankRequest is the pipeline's request for req: the user's live history (with the actions
// Redis holds that this replica has not applied yet), their cached sources, and the recent
// items of the user and the session.
func (s *reader) rankRequest(req *RecommendRequest, uv *userView, n int) rank.Request {
	rr := rank.Request{N: req.N, ContextItems: req.ContextItems, Rules: req.Rules, Diversity: req.Diversity,
		Calibration: req.Calibration, LongTailShare: req.LongTailShare, SessionWeight: req.SessionWeight,
		ExposureStrength: req.ExposureStrength, Rotation: req.Rotation,
		Weights: req.Weights, LogFeatures: req.logFeatures, BlendOnly: req.blendOnly}
	if pg := req.page; pg != nil { // a next page: the list's ranking, without what its pages showed
		rr.Keep = func(id string) bool { _, ok := pg.shown[id]; return !ok }
		rr.Depth = len(pg.shown) + req.N
	}
	if req.UserID != "" {
		rr.History = s.live.History(req.UserID)
		if !uv.cacheable { // Redis has events for this user the follower has not applied yet
			rr.History = s.withUnfollowed(rr.History, uv.user)
		}
		rr.SourceCache, rr.SourceKey = s.live.sourceCache(), req.UserID
		rr.Recent = rank.RecentItems(uv.user, n)
	}
	if req.SessionID != "" {
		rr.Recent = append(rank.RecentItems(uv.session, n), rr.Recent...)
	}
	return rr
}

// shareImpressions hands a computed list's items to the other replicas' exposure counters and
// notes them in the user's ledger when the pipeline counts exposure.
func (s *reader) shareImpressions(user string, p *rank.Pipeline, resp *rank.Response) {
	if p.Exposure != nil && len(resp.Items) > 0 {
		s.live.shareImpressions(resp.Items)
		s.ledger.record(user, resp.Items)
	}
}

// withUnfollowed adds to a user's local history the recent actions Redis holds that this
// replica has not applied yet (another replica took the events and the follower has not
// caught up), so the candidate sources and the seen-item exclusion see them at once: the list
// is the one the writing replica would give. An action counts when the local history has no
// interaction with its item at or after its time; a rating counts with its type's weight (the
// value is not in the session).
func (s *reader) withUnfollowed(h []rank.Interaction, acts []rank.Action) []rank.Interaction {
	if len(acts) == 0 {
		return h
	}
	at := make(map[string]int, len(h))
	for i, x := range h {
		at[x.ItemID] = i
	}
	for _, a := range acts {
		if i, ok := at[a.ItemID]; ok {
			if !a.Time.After(h[i].Last) {
				continue
			}
			h[i].Weight += s.opts.Weights.Of(recd.Event{Type: a.Type, Value: 5})
			h[i].Last = a.Time
			continue
		}
		at[a.ItemID] = len(h)
		h = append(h, rank.Interaction{ItemID: a.ItemID, Weight: s.opts.Weights.Of(recd.Event{Type: a.Type, Value: 5}), Last: a.Time})
	}
	return h
}
