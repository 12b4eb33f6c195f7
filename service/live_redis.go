package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/redisstate"
)

// SharedOptions configure the state replicas share through Redis (Options.Redis). Zero
// durations and counts take the defaults of DefaultSharedOptions; negative ones are errors.
// Precompute false turns precomputation off (DefaultSharedOptions turns it on).
type SharedOptions struct {
	// Timeout bounds each Redis call; after a failed call the service answers from its
	// in-process state for RetryAfter before it tries Redis again (a background probe clears
	// the failure as soon as Redis answers).
	Timeout    time.Duration
	RetryAfter time.Duration
	// Precompute turns on precomputed lists: every PrecomputeInterval (and right after a new
	// model is installed) one replica computes the default list of n=PrecomputeN for up to
	// PrecomputeUsers users active within ActiveWindow, most recent first, and stores each
	// for PrecomputeTTL. A plain request (no session, context, rules or knobs) is served from
	// it while the user has no newer event. Default on, 10 minutes, 1000 users, 10, 30
	// minutes, 24 hours.
	Precompute         bool
	PrecomputeInterval time.Duration
	PrecomputeUsers    int
	PrecomputeN        int
	PrecomputeTTL      time.Duration
	ActiveWindow       time.Duration
	// FlushInterval is how often impressions for the shared exposure counter are sent and
	// the health of Redis is probed while it is failing (default 200 ms).
	FlushInterval time.Duration
}

// DefaultSharedOptions returns the defaults.
func DefaultSharedOptions() SharedOptions {
	return SharedOptions{Timeout: 250 * time.Millisecond, RetryAfter: time.Second, Precompute: true,
		PrecomputeInterval: 10 * time.Minute, PrecomputeUsers: 1000, PrecomputeN: 10, PrecomputeTTL: 30 * time.Minute,
		ActiveWindow: 24 * time.Hour, FlushInterval: 200 * time.Millisecond}
}

func (o *SharedOptions) fill() {
	d := DefaultSharedOptions()
	for _, f := range []struct{ v, d *time.Duration }{{&o.Timeout, &d.Timeout}, {&o.RetryAfter, &d.RetryAfter},
		{&o.PrecomputeInterval, &d.PrecomputeInterval}, {&o.PrecomputeTTL, &d.PrecomputeTTL},
		{&o.ActiveWindow, &d.ActiveWindow}, {&o.FlushInterval, &d.FlushInterval}} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	if o.PrecomputeUsers == 0 {
		o.PrecomputeUsers = d.PrecomputeUsers
	}
	if o.PrecomputeN == 0 {
		o.PrecomputeN = d.PrecomputeN
	}
}

// redisState is the live state of a replica among several: what replicas share (recent
// actions, generations, trending, impressions, precomputed lists, change notifications) lives
// in Redis, the rest in the embedded memState, which also answers while Redis fails. mu
// guards the generation bumps, erasures and impressions not yet sent; the memState and the
// Redis client guard themselves. Safe for concurrent use.
type redisState struct {
	*memState
	st      *redisstate.State
	o       SharedOptions
	id      string // this replica's id in notifications and impressions
	since   string // the impression log's entry id at creation, where its reader starts
	log     *slog.Logger
	metrics *Metrics

	mu           sync.Mutex                    // guards the fields below
	pending      map[string]int64              // generation bumps Redis missed: user -> newest seq
	erasePending map[string]redisstate.Erasure // deleted users Redis missed
	catPending   bool                          // a catalog change Redis missed
	imp          []string                      // impressions not yet sent
}

var _ liveState = (*redisState)(nil)

// maxPending bounds the generation bumps kept while Redis is down.
const maxPending = 100000

// Validate reports a negative duration or count as a recd.ErrInvalid field error.
func (o SharedOptions) Validate() error {
	for name, d := range map[string]time.Duration{"timeout": o.Timeout, "retry_after": o.RetryAfter,
		"precompute_interval": o.PrecomputeInterval, "precompute_ttl": o.PrecomputeTTL,
		"active_window": o.ActiveWindow, "flush_interval": o.FlushInterval} {
		if d < 0 {
			return recd.Invalid("redis."+name, "must not be negative")
		}
	}
	if o.PrecomputeUsers < 0 || o.PrecomputeN < 0 {
		return recd.Invalid("redis", "precompute_users and precompute_n must not be negative")
	}
	return nil
}

func newRedisState(mem *memState, opts *Options, log *slog.Logger, metrics *Metrics) (*redisState, error) {
	o := opts.Shared
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.fill()
	ro := redisstate.DefaultOptions()
	ro.Prefix = opts.RedisPrefix
	ro.SessionMaxActions, ro.SessionTTL = opts.Sessions.MaxActions, opts.Sessions.TTL
	ro.TrendingHalfLife = opts.TrendingHalfLife
	ro.Timeout, ro.RetryAfter = o.Timeout, o.RetryAfter
	if ro.SessionTTL == 0 {
		ro.SessionTTL = 365 * 24 * time.Hour // in-process 0 keeps actions forever
	}
	st, err := redisstate.New(opts.Redis, ro)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &redisState{memState: mem, st: st, o: o, id: hex.EncodeToString(b), pending: map[string]int64{},
		erasePending: map[string]redisstate.Erasure{},
		since:        strconv.FormatInt(time.Now().UnixMilli(), 10) + "-0", log: log, metrics: metrics}, nil
}

// err reports the health of the shared state: nil when Redis answered its last call, the
// last failure otherwise. It does no I/O, so a degraded flag can read it on every request;
// while it is not nil, reads answer from in-process sessions, generations and counters.
func (rs *redisState) err() error { return rs.st.Err() }

// ping pings Redis now, for readiness probes.
func (rs *redisState) ping(ctx context.Context) error { return rs.st.Ping(ctx) }

func (rs *redisState) origin() string { return rs.id }

// failed counts a failed Redis call and logs it, unless Redis is known to be down.
func (rs *redisState) failed(what string, err error) {
	rs.metrics.SharedErrors.Inc()
	if !errors.Is(err, redisstate.ErrDown) {
		rs.log.Warn("shared state unavailable: using in-process state", "op", what, "err", err)
	}
}

// viewUser reads the user's and session's recent actions and generations from Redis, with the
// user's precomputed list for a plain request; while Redis fails, from the in-process state.
func (rs *redisState) viewUser(ctx context.Context, user, session string, plain bool, n int) userView {
	if user == "" && session == "" {
		return rs.memState.viewUser(ctx, user, session, plain, n)
	}
	us, err := rs.st.ReadUser(ctx, user, session, rs.o.Precompute && plain)
	if err != nil {
		rs.failed("read user", err)
		v := rs.memState.viewUser(ctx, user, session, plain, n)
		v.gen = -2 - v.gen
		return v
	}
	return userView{gen: us.Gen, cacheable: user == "" || us.Seq <= rs.userGen(user),
		user: us.User, session: us.Session, catalog: us.Catalog, pre: us.Precomputed}
}

// trending answers from the shared counter; the in-process counter answers when Redis fails
// or has fewer than n items keep accepts (a fresh Redis lacks the store's history, which the
// in-process counter loaded at start, and a narrow filter may need more of the counter than
// one call scans).
func (rs *redisState) trending(ctx context.Context, n int, keep func(*rank.ItemMeta) bool) ([]string, []float64, []string) {
	ids, scores, err := rs.st.Trending(ctx, n, func(id string) bool {
		m, ok := rs.Item(id)
		return ok && keep(&m)
	})
	if err != nil {
		rs.failed("trending", err)
		return rs.memState.trending(ctx, n, keep)
	}
	if len(ids) < n {
		return rs.memState.trending(ctx, n, keep)
	}
	titles := make([]string, len(ids))
	for i, id := range ids {
		m, _ := rs.Item(id)
		titles[i] = m.Title
	}
	return ids, scores, titles
}

// applyFollowed applies the event without recording it in the recent actions: with Redis
// the writing replica recorded it there for everyone.
func (rs *redisState) applyFollowed(e *recd.Event) (bool, bool) { return rs.observeFollowed(e) }
