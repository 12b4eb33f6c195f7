package service

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recd/recd/rank"
	"github.com/recd/recd/redisstate"
)

// precomputed answers a plain request from the user's precomputed list when it is current:
// same user generation, catalog generation and model version, and the list covers n. It
// counts hits and misses of plain requests.
func (s *Service) precomputed(req *RecommendRequest, p *rank.Pipeline, v *userView) (rank.Response, bool) {
	if s.shared == nil || !s.shared.o.Precompute || !plainRequest(req) || v.gen < 0 {
		return rank.Response{}, false
	}
	pc := v.pre
	ok := pc != nil && v.cacheable && pc.Gen == v.gen && pc.Catalog == v.catalog && pc.Version == p.M.Version &&
		(req.N == pc.N || (req.N < pc.N && prefixStable(&p.Opts)))
	if !ok {
		s.Metrics.Precomputed.WithLabelValues("miss").Inc()
		return rank.Response{}, false
	}
	s.Metrics.Precomputed.WithLabelValues("hit").Inc()
	resp := pc.Resp
	if len(resp.Items) > req.N {
		resp.Items = resp.Items[:req.N]
	}
	if p.Exposure != nil && len(resp.Items) > 0 {
		ids := make([]string, len(resp.Items))
		for i, it := range resp.Items {
			ids[i] = it.ID
		}
		p.Exposure.Record(ids) // what the pipeline records for a list it computes and sends
		s.shareImpressions(p, &resp)
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
func (s *Service) precomputePipeline(p *rank.Pipeline) *rank.Pipeline {
	sh := s.shared
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.prePipe[0] != p {
		sh.prePipe = [2]*rank.Pipeline{p, rank.NewPipeline(p.M, p.Catalog, p.Index, nil, p.Opts)}
	}
	return sh.prePipe[1]
}

// PrecomputeActive computes and stores the default list of the users active within the window
// (see SharedOptions) and returns how many it stored. Users whose newest event this replica has
// not applied yet are skipped. It does nothing without Redis or with precomputation off; it
// stops at the first Redis failure. RunSharedState calls it on schedule; tests and benchmarks
// call it directly.
func (s *Service) PrecomputeActive(ctx context.Context) (int, error) {
	if s.shared == nil || !s.shared.o.Precompute {
		return 0, nil
	}
	o, st := s.shared.o, s.shared.st
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
		us, err := st.ReadUser(ctx, u, "", false)
		if err != nil {
			return stored, fmt.Errorf("precompute %s: %w", u, err)
		}
		if us.Seq > s.userGen(u) {
			continue // this replica has not applied the user's newest events yet
		}
		// The user's cached sources serve here as in a live request, so the stored list is
		// the one a request would compute (a full recomputation could differ by rounding).
		resp, err := pp.Recommend(ctx, rank.Request{N: o.PrecomputeN, History: s.History(u),
			Recent: rank.RecentItems(us.User, p.Opts.SessionN), SourceCache: s.sources, SourceKey: u})
		if err != nil {
			return stored, fmt.Errorf("precompute %s: %w", u, err)
		}
		pc := &redisstate.Precomputed{Gen: us.Gen, Catalog: us.Catalog, Version: p.M.Version, N: o.PrecomputeN,
			Created: time.Now().UTC(), Resp: resp}
		if err := st.PutPrecomputed(ctx, u, pc, o.PrecomputeTTL); err != nil {
			return stored, fmt.Errorf("precompute %s: %w", u, err)
		}
		stored++
	}
	return stored, nil
}

// RunSharedState runs the background work of the shared state until ctx ends: the change
// subscription (calling Options.OnRemoteChange for other replicas' changes), feeding the
// exposure counter from other replicas' impressions, sending this replica's impressions,
// replaying generation bumps Redis missed, probing Redis while it fails, announcing new model
// versions, and the precomputation rounds (one replica per round, by a Redis lock). It
// returns at once without Redis. Call it once, from its own goroutine.
func (s *Service) RunSharedState(ctx context.Context) {
	if s.shared == nil {
		return
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.runSubscription(ctx) }()
	go func() { defer wg.Done(); s.runImpressions(ctx) }()
	s.runTicks(ctx, &wg)
	wg.Wait()
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (s *Service) runSubscription(ctx context.Context) {
	handle := func(c redisstate.Change) {
		if c.Origin == s.shared.origin {
			return
		}
		if c.Kind == redisstate.ChangeModel {
			s.NotifyModel()
		} else {
			s.Notify() // the follower catches up now rather than at its next poll
		}
		if s.opts.OnRemoteChange != nil {
			s.opts.OnRemoteChange(c.Kind, c.ID)
		}
	}
	for ctx.Err() == nil {
		if err := s.shared.st.Subscribe(ctx, handle, nil); err != nil {
			s.sharedFailed("subscribe", err)
		}
		if !sleepCtx(ctx, s.shared.o.RetryAfter) {
			return
		}
	}
}

// runImpressions applies other replicas' impressions to the in-process exposure counter, which
// the pipeline reads: every replica's counter then counts every replica's impressions sent
// since this service was created (stream ids are Redis's clock in milliseconds, so a skew
// between the clocks moves that start by as much).
func (s *Service) runImpressions(ctx context.Context) {
	after := s.shared.since
	for ctx.Err() == nil {
		got, next, err := s.shared.st.ReadImpressions(ctx, after, time.Second)
		after = next
		for _, im := range got {
			if im.Origin != s.shared.origin {
				s.exposure.Record(im.IDs)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.sharedFailed("read impressions", err)
			if !sleepCtx(ctx, s.shared.o.RetryAfter) {
				return
			}
		}
	}
}

// runTicks runs the periodic work; precomputation rounds run beside it (one at a time, joined
// to wg), so a long round does not hold up impressions or the health probe.
func (s *Service) runTicks(ctx context.Context, wg *sync.WaitGroup) {
	var running atomic.Bool
	round := func(name string) {
		if !running.CompareAndSwap(false, true) {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer running.Store(false)
			s.precomputeRound(ctx, name, s.shared.o.PrecomputeInterval)
		}()
	}
	o, st := s.shared.o, s.shared.st
	t := time.NewTicker(o.FlushInterval)
	defer t.Stop()
	version := ""
	if sv := s.snap.Load(); sv != nil {
		version = sv.info.Version
	}
	nextRound := time.Now().Add(o.PrecomputeInterval)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if st.Err() != nil {
			if st.Ping(ctx) != nil {
				continue
			}
			s.log.Info("shared state back: Redis answers")
		}
		s.flushImpressions(ctx)
		s.flushPending(ctx)
		sv := s.snap.Load()
		if sv != nil && sv.info.Version != version {
			version = sv.info.Version
			if err := st.Publish(ctx, redisstate.Change{Kind: redisstate.ChangeModel, ID: version, Origin: s.shared.origin}); err != nil {
				s.sharedFailed("publish model", err)
			}
			round("model:" + version)
		}
		if now := time.Now(); sv != nil && now.After(nextRound) {
			nextRound = now.Add(o.PrecomputeInterval)
			round("round:" + version + ":" + strconv.FormatInt(now.UnixNano()/int64(o.PrecomputeInterval), 10))
		}
	}
}

// precomputeRound runs PrecomputeActive if this replica takes the round's lock.
func (s *Service) precomputeRound(ctx context.Context, name string, ttl time.Duration) {
	if !s.shared.o.Precompute {
		return
	}
	ok, err := s.shared.st.TryLock(ctx, "precompute:"+name, ttl)
	if err != nil {
		s.sharedFailed("precompute lock", err)
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
