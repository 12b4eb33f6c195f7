package service

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recd/recd/redisstate"
)

// run does the background work of the shared state until ctx ends: the change subscription,
// feeding the exposure counter from other replicas' impressions, sending this replica's
// impressions, replaying generation bumps Redis missed, probing Redis while it fails,
// announcing new model versions, and the precomputation rounds (one replica per round, by a
// Redis lock; hooks.round runs them).
func (rs *redisState) run(ctx context.Context, hooks sharedHooks) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); rs.runSubscription(ctx, hooks.changed) }()
	go func() { defer wg.Done(); rs.runImpressions(ctx) }()
	rs.runTicks(ctx, &wg, hooks)
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

// runSubscription hands every change another replica announces to changed.
func (rs *redisState) runSubscription(ctx context.Context, changed func(redisstate.Change)) {
	handle := func(c redisstate.Change) {
		if c.Origin != rs.id {
			changed(c)
		}
	}
	for ctx.Err() == nil {
		if err := rs.st.Subscribe(ctx, handle, nil); err != nil {
			rs.failed("subscribe", err)
		}
		if !sleepCtx(ctx, rs.o.RetryAfter) {
			return
		}
	}
}

// runImpressions applies other replicas' impressions (and removals of a deleted user's) to the
// in-process exposure counter, which the pipeline reads: every replica's counter then counts every replica's impressions sent
// since this service was created (stream ids are Redis's clock in milliseconds, so a skew
// between the clocks moves that start by as much).
func (rs *redisState) runImpressions(ctx context.Context) {
	after := rs.since
	for ctx.Err() == nil {
		got, next, err := rs.st.ReadImpressions(ctx, after, time.Second)
		after = next
		for _, im := range got {
			if im.Origin == rs.id {
				continue
			}
			rs.exposure.Record(im.IDs)
			for id, n := range im.Removed {
				rs.exposure.Remove(id, n)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			rs.failed("read impressions", err)
			if !sleepCtx(ctx, rs.o.RetryAfter) {
				return
			}
		}
	}
}

// runTicks runs the periodic work; precomputation rounds run beside it (one at a time, joined
// to wg), so a long round does not hold up impressions or the health probe.
func (rs *redisState) runTicks(ctx context.Context, wg *sync.WaitGroup, hooks sharedHooks) {
	var running atomic.Bool
	round := func(name string) {
		if !running.CompareAndSwap(false, true) {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer running.Store(false)
			hooks.round(ctx, name)
		}()
	}
	o, st := rs.o, rs.st
	t := time.NewTicker(o.FlushInterval)
	defer t.Stop()
	version := hooks.version()
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
			rs.log.Info("shared state back: Redis answers")
		}
		rs.flushImpressions(ctx)
		rs.flushPending(ctx)
		cur := hooks.version()
		if cur != "" && cur != version {
			version = cur
			if err := st.Publish(ctx, redisstate.Change{Kind: redisstate.ChangeModel, ID: version, Origin: rs.id}); err != nil {
				rs.failed("publish model", err)
			}
			round("model:" + version)
		}
		if now := time.Now(); cur != "" && now.After(nextRound) {
			nextRound = now.Add(o.PrecomputeInterval)
			round("round:" + version + ":" + strconv.FormatInt(now.UnixNano()/int64(o.PrecomputeInterval), 10))
		}
	}
}

// sharedOptions and redis give the read path's precomputation the options in force and the
// Redis state it stores lists in (precomputer).
func (rs *redisState) sharedOptions() SharedOptions { return rs.o }
func (rs *redisState) redis() *redisstate.State     { return rs.st }
