package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/recd/recd/store"
)

// This file is attribution's patience with a list another replica has just served: its id
// reaches this replica (in a click) before the serving replica has flushed the list to the
// store, which it does every feedback.flush_interval.

// Bounds of the wait for a fresh list.
const (
	// freshMargin is added to the flush interval to say how recent an id's time must be for
	// its list to be possibly still queued on another replica: the serving replica's write
	// and the replicas' clock skew.
	freshMargin = 2 * time.Second
	// maxFreshWaiters is how many requests may wait for fresh lists at once; a request that
	// would be one more is answered at once, as without the wait.
	maxFreshWaiters = 64
)

// freshWaits is the bounded waiting for lists not yet flushed by the replica that served
// them. slots holds one token per waiting request (at most maxFreshWaiters); it is safe for
// concurrent use and owns nothing else.
type freshWaits struct {
	flush time.Duration
	slots chan struct{}
}

func newFreshWaits(flush time.Duration) *freshWaits {
	return &freshWaits{flush: flush, slots: make(chan struct{}, maxFreshWaiters)}
}

// idTime is the serving time a recommendation id carries (its first 48 bits, Unix
// milliseconds); false for a malformed id.
func idTime(id string) (time.Time, bool) {
	if !validRecommendationID(id) {
		return time.Time{}, false
	}
	var ms int64
	for i := range 10 { // 3 + 9·5 = 48 bits
		ms = ms<<5 | int64(strings.IndexByte(crockford, id[i]))
	}
	return time.UnixMilli(ms), true
}

// fresh reports whether a list served at t may still be queued on the replica that served it.
func (w *freshWaits) fresh(t, now time.Time) bool {
	return !t.Before(now.Add(-w.flush-freshMargin)) && !t.After(now.Add(freshMargin))
}

// freshEnd is when a list served at t, fresh at now, stops being fresh: one flush interval
// plus freshMargin after t, counted from now when t is ahead of this replica's clock (skew),
// so that the wait never exceeds that window.
func (w *freshWaits) freshEnd(t, now time.Time) time.Time {
	if t.After(now) {
		t = now
	}
	return t.Add(w.flush + freshMargin)
}

// getCited is get for a cited id: when the list is unknown here but its id is fresh, it reads
// again every quarter flush interval until *deadline, the list is found or ctx ends. The
// deadline, set on the batch's first wait, is when that id stops being fresh (freshEnd): a
// serving replica short of CPU may flush many intervals late, and a list is waited for as
// long as it may still be queued there, never longer. A batch thus waits at most one flush
// interval plus freshMargin, whatever it cites, and only maxFreshWaiters requests wait at
// once: one more is answered not found at once. recd_feedback_fresh_waits_total counts the
// waits by outcome.
func (r *impressions) getCited(ctx context.Context, user, id string, deadline *time.Time) (store.Impression, error) {
	im, err := r.get(ctx, user, id)
	w := r.fresh
	now := time.Now()
	if !errors.Is(err, store.ErrNotFound) || w == nil {
		return im, err
	}
	t, ok := idTime(id)
	if !ok || !w.fresh(t, now) {
		return im, err
	}
	if deadline.IsZero() {
		*deadline = w.freshEnd(t, now)
	}
	if !now.Before(*deadline) {
		return im, err
	}
	select {
	case w.slots <- struct{}{}:
		defer func() { <-w.slots }()
	default:
		r.countWait("busy")
		return im, err
	}
	tick := time.NewTicker(max(w.flush/4, time.Millisecond))
	defer tick.Stop()
	end := time.NewTimer(time.Until(*deadline))
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			r.countWait("cancelled")
			return im, err
		case <-end.C:
			r.countWait("unknown")
			return im, err
		case <-tick.C:
			if im, err = r.get(ctx, user, id); !errors.Is(err, store.ErrNotFound) {
				r.countWait("found")
				return im, err
			}
		}
	}
}

func (r *impressions) countWait(outcome string) {
	if r.metrics != nil {
		r.metrics.FreshWaits.WithLabelValues(outcome).Inc()
	}
}
