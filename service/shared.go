package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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

// shared is the service's side of the Redis state. Safe for concurrent use.
type shared struct {
	st     *redisstate.State
	o      SharedOptions
	origin string // this replica's id in notifications and impressions
	since  string // the impression log's entry id at creation, where its reader starts

	mu         sync.Mutex        // guards the fields below
	pending    map[string]int64  // generation bumps Redis missed: user -> newest seq
	catPending bool              // a catalog change Redis missed
	imp        []string          // impressions not yet sent
	prePipe    [2]*rank.Pipeline // serving pipeline -> its copy without exposure recording
}

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

func newShared(opts *Options) (*shared, error) {
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
	return &shared{st: st, o: o, origin: hex.EncodeToString(b), pending: map[string]int64{},
		since: strconv.FormatInt(time.Now().UnixMilli(), 10) + "-0"}, nil
}

// SharedStateErr reports the health of the shared state: nil when Redis is not configured or
// answered its last call, the last failure otherwise. It does no I/O, so a degraded flag can
// read it on every request; while it is not nil, reads answer from in-process sessions,
// generations and counters.
func (s *Service) SharedStateErr() error {
	if s.shared == nil {
		return nil
	}
	return s.shared.st.Err()
}

// CheckSharedState pings Redis now (nil when not configured), for readiness probes.
func (s *Service) CheckSharedState(ctx context.Context) error {
	if s.shared == nil {
		return nil
	}
	return s.shared.st.Ping(ctx)
}

// ReplicaID is this replica's id in change notifications ("" without Redis).
func (s *Service) ReplicaID() string {
	if s.shared == nil {
		return ""
	}
	return s.shared.origin
}

func (s *Service) sharedFailed(what string, err error) {
	s.Metrics.SharedErrors.Inc()
	if !errors.Is(err, redisstate.ErrDown) {
		s.log.Warn("shared state unavailable: using in-process state", "op", what, "err", err)
	}
}

// userView is what a request knows of a user and session: from Redis when configured and
// answering, from the in-process state otherwise.
type userView struct {
	// gen keys the response cache: the Redis generation, or, in-process, the newest local
	// seq (negated below -1 when Redis failed, so the two never collide).
	gen int64
	// cacheable is false while this replica's history lacks events Redis has seen.
	cacheable     bool
	user, session []rank.Action
	catalog       int64
	pre           *redisstate.Precomputed
}

func (s *Service) viewUser(ctx context.Context, req *RecommendRequest, n int) userView {
	local := func() userView {
		v := userView{gen: s.userGen(req.UserID), cacheable: true}
		if req.UserID != "" {
			v.user = s.sessions.Recent(req.UserID, n)
		}
		if req.SessionID != "" {
			v.session = s.sessions.Recent("session:"+req.SessionID, n)
		}
		return v
	}
	if s.shared == nil || (req.UserID == "" && req.SessionID == "") {
		return local()
	}
	us, err := s.shared.st.ReadUser(ctx, req.UserID, req.SessionID, s.shared.o.Precompute && plainRequest(req))
	if err != nil {
		s.sharedFailed("read user", err)
		v := local()
		v.gen = -2 - v.gen
		return v
	}
	return userView{gen: us.Gen, cacheable: req.UserID == "" || us.Seq <= s.userGen(req.UserID),
		user: us.User, session: us.Session, catalog: us.Catalog, pre: us.Precomputed}
}

// plainRequest is a request a precomputed list answers: a user's default list.
func plainRequest(req *RecommendRequest) bool {
	r := &req.Rules
	return req.UserID != "" && req.SessionID == "" && len(req.ContextItems) == 0 && req.Diversity == nil &&
		req.Calibration == nil && req.LongTailShare == nil && req.SessionWeight == nil && req.ExposureStrength == nil &&
		len(r.Exclude) == 0 && len(r.Categories) == 0 && len(r.ExcludeCategories) == 0 && len(r.Filters) == 0 &&
		len(r.Boosts) == 0
}

// sharedTrending answers Trending from the shared counter; ok is false without Redis, when it
// fails or when it has fewer than n items the filter keeps (the caller answers from the
// in-process counter, which also holds the store's history loaded at start).
func (s *Service) sharedTrending(ctx context.Context, n int, categories []string) (rank.Response, bool) {
	if s.shared == nil {
		return rank.Response{}, false
	}
	keepMeta := trendingKeep(categories)
	keep := func(id string) bool {
		m, ok := s.Item(id)
		return ok && keepMeta(&m)
	}
	ids, scores, err := s.shared.st.Trending(ctx, n, keep)
	if err != nil {
		s.sharedFailed("trending", err)
		return rank.Response{}, false
	}
	if len(ids) < n {
		// A fresh Redis lacks the store's history, and a narrow filter may need more of the
		// counter than one call scans: the in-process counter answers.
		return rank.Response{}, false
	}
	return s.trendingResponse(ids, scores, func(id string) string { m, _ := s.Item(id); return m.Title }), true
}

// batchID is the id a catalog change names: the item's, or "" for a batch.
func batchID(items []recd.Item) string {
	if len(items) == 1 {
		return items[0].ID
	}
	return ""
}

// ExposureCount returns an item's decayed impression count as this replica's exposure counter
// holds it: its own impressions plus, with Redis, the other replicas' (a moment late).
func (s *Service) ExposureCount(id string) float64 { return s.exposure.Count(id) }

// withUnfollowed adds to a user's local history the recent actions Redis holds that this
// replica has not applied yet (another replica took the events and the follower has not
// caught up), so the candidate sources and the seen-item exclusion see them at once: the list
// is the one the writing replica would give. An action counts when the local history has no
// interaction with its item at or after its time; a rating counts with its type's weight (the
// value is not in the session).
func (s *Service) withUnfollowed(h []rank.Interaction, acts []rank.Action) []rank.Interaction {
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
