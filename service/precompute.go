package service

import (
	"context"
	"fmt"
	"time"

	"github.com/recd/recd/rank"
	"github.com/recd/recd/redisstate"
)

// precomputer is the live state's store of precomputed lists (Redis): the options in force,
// the Redis state and its failure accounting. redisState implements it.
type precomputer interface {
	sharedOptions() SharedOptions
	redis() *redisstate.State
	failed(what string, err error)
}

// precomputed answers a plain request from the user's precomputed list when it is current:
// same user generation, catalog generation and model version, and the list covers n. It
// counts hits and misses of plain requests.
func (s *reader) precomputed(req *RecommendRequest, p *rank.Pipeline, v *userView) (rank.Response, bool) {
	if s.pre == nil || !s.pre.sharedOptions().Precompute || !plainRequest(req) || v.gen < 0 {
		return rank.Response{}, false
	}
	pc := v.pre
	ok := pc != nil && v.cacheable && pc.Gen == v.gen && pc.Catalog == v.catalog && pc.Version == p.M.Version &&
		(req.N == pc.N || (req.N < pc.N && prefixStable(&p.Opts)))
	if !ok {
		s.metrics.Precomputed.WithLabelValues("miss").Inc()
		return rank.Response{}, false
	}
	s.metrics.Precomputed.WithLabelValues("hit").Inc()
	resp := pc.Resp
	if len(resp.Items) > req.N {
		resp.Items = resp.Items[:req.N]
	}
	if p.Exposure != nil && len(resp.Items) > 0 && !req.uncounted {
		ids := make([]string, len(resp.Items))
		for i, it := range resp.Items {
			ids[i] = it.ID
		}
		p.Exposure.Record(ids) // what the pipeline records for a list it computes and sends
		s.shareImpressions(req.UserID, p, &resp)
	}
	return resp, true
}

// prefixStable reports whether the first n items of a longer default list are the default
// list of n: true unless a re-ranking stage that looks at n (MMR, calibration, long-tail share)
// is on by default.
func prefixStable(o *rank.Options) bool {
	return o.Diversity == 0 && o.Calibration == 0 && o.LongTailShare == 0
}

// precomputePipeline returns p without exposure recording: a list computed ahead is not an
// impression (it is recorded when served).
func (s *reader) precomputePipeline(p *rank.Pipeline) *rank.Pipeline {
	s.preMu.Lock()
	defer s.preMu.Unlock()
	if s.prePipe[0] != p {
		s.prePipe = [2]*rank.Pipeline{p, rank.NewPipeline(p.M, p.Catalog, p.Index, nil, p.Opts)}
	}
	return s.prePipe[1]
}

// PrecomputeActive computes and stores the default list of the users active within the window
// (see SharedOptions) and returns how many it stored. Users whose newest event this replica has
// not applied yet are skipped. It does nothing without Redis or with precomputation off; it
// stops at the first Redis failure. RunSharedState calls it on schedule; tests and benchmarks
// call it directly.
func (s *reader) PrecomputeActive(ctx context.Context) (int, error) {
	if s.pre == nil || !s.pre.sharedOptions().Precompute {
		return 0, nil
	}
	o, st := s.pre.sharedOptions(), s.pre.redis()
	p, err := s.pipeline()
	if err != nil {
		return 0, err
	}
	users, err := st.ActiveUsers(ctx, time.Now().Add(-o.ActiveWindow), o.PrecomputeUsers)
	if err != nil {
		return 0, fmt.Errorf("precompute: %w", err)
	}
	pp := s.precomputePipeline(p)
	stored := 0
	for _, u := range users {
		if ctx.Err() != nil {
			return stored, ctx.Err()
		}
		ok, err := s.precomputeUser(ctx, pp, p.Opts.SessionN, u)
		if err != nil {
			return stored, fmt.Errorf("precompute %s: %w", u, err)
		}
		if ok {
			stored++
		}
	}
	return stored, nil
}

// precomputeUser computes and stores one user's list, under the user's gate so that a
// deletion does not run between reading the user and storing the list. It reports false for
// a user whose newest event this replica has not applied yet.
func (s *reader) precomputeUser(ctx context.Context, pp *rank.Pipeline, sessionN int, u string) (bool, error) {
	defer s.gate.rlock(u)()
	o, st := s.pre.sharedOptions(), s.pre.redis()
	us, err := st.ReadUser(ctx, u, "", false)
	if err != nil {
		return false, err
	}
	gen := s.live.userGen(u)
	if us.Seq > gen || (us.Gen == 0 && gen == 0) {
		return false, nil // not applied here yet, or deleted since the active set was read
	}
	// The user's cached sources serve here as in a live request, so the stored list is the
	// one a request would compute (a full recomputation could differ by rounding).
	resp, err := pp.Recommend(ctx, rank.Request{N: o.PrecomputeN, History: s.live.History(u),
		Recent: rank.RecentItems(us.User, sessionN), SourceCache: s.live.sourceCache(), SourceKey: u})
	if err != nil {
		return false, err
	}
	pc := &redisstate.Precomputed{Gen: us.Gen, Catalog: us.Catalog, Version: pp.M.Version, N: o.PrecomputeN,
		Created: time.Now().UTC(), Resp: resp}
	return true, st.PutPrecomputed(ctx, u, pc, o.PrecomputeTTL)
}

// precomputeRound runs PrecomputeActive if this replica takes the round's lock.
func (s *reader) precomputeRound(ctx context.Context, name string, ttl time.Duration) {
	if s.pre == nil || !s.pre.sharedOptions().Precompute {
		return
	}
	ok, err := s.pre.redis().TryLock(ctx, "precompute:"+name, ttl)
	if err != nil {
		s.pre.failed("precompute lock", err)
		return
	}
	if !ok {
		return
	}
	start := time.Now()
	n, err := s.PrecomputeActive(ctx)
	if err != nil {
		s.log.Warn("precompute round stopped", "stored", n, "err", err)
		return
	}
	s.log.Info("precomputed recommendations", "users", n, "elapsed", time.Since(start).Round(time.Millisecond))
}
