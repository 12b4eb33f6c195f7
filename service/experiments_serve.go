package service

import (
	"context"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/experiment"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// This file is the read path under a running experiment: the request's unit gets its variant
// (A/B) or both variants' lists merged by team draft (interleaving), and the served list is
// recorded with the experiment and variant.

// unitOf is the id the request is assigned by: under unit user the user id, or for an
// anonymous request its session id; under unit session the session id, or without one the
// user id. "" when the request has neither (context items alone): it is not in the
// experiment.
func (r *running) unitOf(req *RecommendRequest) string {
	if r.x.Unit == experiment.UnitSession && req.SessionID != "" {
		return req.SessionID
	}
	if req.UserID != "" {
		return req.UserID
	}
	return req.SessionID
}

// withKnobs returns req with variant i's overrides applied. The experiment wins over the
// request for every knob the variant overrides, so the variants differ by exactly their
// overrides; the knobs it leaves alone keep the request's values.
func (r *running) withKnobs(req RecommendRequest, i int) RecommendRequest {
	k := &r.knobs[i]
	for _, f := range []struct {
		dst **float64
		v   *float64
	}{{&req.Diversity, k.Diversity}, {&req.Calibration, k.Calibration},
		{&req.LongTailShare, k.LongTailShare}, {&req.SessionWeight, k.SessionWeight},
		{&req.ExposureStrength, k.ExposureStrength}} {
		if f.v != nil {
			*f.dst = f.v
		}
	}
	if w := k.BlendWeights(); w != nil {
		req.Weights = w
	}
	req.blendOnly, req.modelVersion = k.BlendOnly(), k.ModelVersion
	return req
}

// recommendIn serves req under the running experiment x to the unit: its variant's list, or
// under interleaving the team-draft merge of both variants' lists, recorded as im (the
// request's impression, without id and time). The caller holds the user's gate shared.
func (s *reader) recommendIn(ctx context.Context, req RecommendRequest, x *running, unit string, im store.Impression) (rank.Response, error) {
	now := time.Now()
	im.ID, im.Time, im.Experiment = newRecommendationID(now), now, x.x.ID
	var resp rank.Response
	var err error
	if x.x.Design == experiment.DesignInterleaving {
		resp, err = s.interleaved(ctx, req, x, im.ID)
	} else {
		i := x.x.Assign(unit)
		resp, err = s.recommend(ctx, x.withKnobs(req, i))
		resp.Variant = x.x.Variants[i].Name
	}
	if err != nil {
		return rank.Response{}, err
	}
	resp.Experiment = x.x.ID
	im.Variant, im.Strategy, im.ModelVersion = resp.Variant, resp.Strategy, resp.ModelVersion
	resp.RecommendationID = s.imp.record(im, resp.Items)
	return resp, nil
}

// interleaved ranks req under both variants and merges the lists by team draft, seeded by
// the list's recommendation id; each item names the variant that placed it. The exposure and
// rotation counters count the merged list's items only (countShown), not both rankings.
func (s *reader) interleaved(ctx context.Context, req RecommendRequest, x *running, id string) (rank.Response, error) {
	var lists [2]rank.Response
	for i := range lists {
		vr := x.withKnobs(req, i)
		vr.uncounted = true
		var err error
		if lists[i], err = s.recommend(ctx, vr); err != nil {
			return rank.Response{}, err
		}
	}
	ids := func(r rank.Response) []string {
		out := make([]string, len(r.Items))
		for i, it := range r.Items {
			out[i] = it.ID
		}
		return out
	}
	picks := experiment.TeamDraft(ids(lists[0]), ids(lists[1]), req.N, experiment.Seed(id))
	// Each item comes with the score and reasons of the variant that placed it.
	var byID [2]map[string]recd.Recommendation
	for t := range lists {
		byID[t] = make(map[string]recd.Recommendation, len(lists[t].Items))
		for _, it := range lists[t].Items {
			byID[t][it.ID] = it
		}
	}
	resp := lists[0]
	resp.Variant = experiment.Interleaved
	resp.Items = make([]recd.Recommendation, len(picks))
	for i, p := range picks {
		it := byID[p.Team][p.ID]
		it.Variant = x.x.Variants[p.Team].Name
		resp.Items[i] = it
	}
	s.countShown(&req, resp.Items)
	return resp, nil
}
