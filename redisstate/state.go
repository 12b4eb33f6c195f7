// Package redisstate keeps the state recd replicas share in Redis: recent actions per user and
// anonymous session, per-user generations, trending and exposure counters, precomputed
// recommendation lists, and change notifications between replicas.
package redisstate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/recd/recd"
	"github.com/redis/go-redis/v9"
)

// Options configure a State. Zero fields take the defaults of DefaultOptions.
type Options struct {
	// Prefix starts every key and channel name, so several deployments can share a server.
	Prefix string
	// SessionMaxActions is the number of recent actions kept per user or session (the newest);
	// SessionTTL drops actions older than this by event time, and a list untouched this long
	// expires. Default 50 and 30 minutes, as rank.DefaultSessionOptions.
	SessionMaxActions int
	SessionTTL        time.Duration
	// TrendingHalfLife is the trending counter's decay (default 7 days, as model.Trending);
	// TrendingMaxItems bounds the items it keeps (the lowest-scored are dropped; default 100000).
	TrendingHalfLife time.Duration
	TrendingMaxItems int
	// GenTTL is how long a user's generation survives without events (default 7 days). A
	// generation recreated after expiry starts from the clock, so it never repeats.
	GenTTL time.Duration
	// ActiveMaxUsers bounds the set of recently active users (default 100000).
	ActiveMaxUsers int
	// ImpressionsMaxLen bounds the shared impression log (approximately; default 100000).
	ImpressionsMaxLen int64
	// Timeout bounds each call (default 250 ms). RetryAfter is how long calls fail fast after
	// a failed one before Redis is tried again (default 1 s; negative: always try).
	Timeout    time.Duration
	RetryAfter time.Duration
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{Prefix: "recd:", SessionMaxActions: 50, SessionTTL: 30 * time.Minute,
		TrendingHalfLife: 7 * 24 * time.Hour, TrendingMaxItems: 100000, GenTTL: 7 * 24 * time.Hour,
		ActiveMaxUsers: 100000, ImpressionsMaxLen: 100000, Timeout: 250 * time.Millisecond, RetryAfter: time.Second}
}

func (o *Options) fill() {
	d := DefaultOptions()
	if o.SessionMaxActions == 0 {
		o.SessionMaxActions = d.SessionMaxActions
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = d.SessionTTL
	}
	if o.TrendingHalfLife == 0 {
		o.TrendingHalfLife = d.TrendingHalfLife
	}
	if o.TrendingMaxItems == 0 {
		o.TrendingMaxItems = d.TrendingMaxItems
	}
	if o.GenTTL == 0 {
		o.GenTTL = d.GenTTL
	}
	if o.ActiveMaxUsers == 0 {
		o.ActiveMaxUsers = d.ActiveMaxUsers
	}
	if o.ImpressionsMaxLen == 0 {
		o.ImpressionsMaxLen = d.ImpressionsMaxLen
	}
	if o.Timeout == 0 {
		o.Timeout = d.Timeout
	}
	if o.RetryAfter == 0 {
		o.RetryAfter = d.RetryAfter
	}
}

// Validate reports a bad option as a recd.ErrInvalid field error.
func (o Options) Validate() error {
	switch {
	case o.SessionMaxActions < 0:
		return recd.Invalid("redis.session_max_actions", "must be > 0")
	case o.SessionTTL < 0:
		return recd.Invalid("redis.session_ttl", "must be > 0")
	case o.TrendingHalfLife < 0:
		return recd.Invalid("redis.trending_half_life", "must be > 0")
	case o.TrendingMaxItems < 0 || o.ActiveMaxUsers < 0 || o.ImpressionsMaxLen < 0:
		return recd.Invalid("redis", "bounds must be > 0")
	case o.Timeout < 0:
		return recd.Invalid("redis.timeout", "must be > 0")
	}
	return nil
}

// ErrDown is returned, wrapped with the last failure, while calls fail fast after a failed one.
var ErrDown = errors.New("redis is down")

// State is recd's shared state in one Redis. Safe for concurrent use. Every call is bounded by
// Options.Timeout; after a failed call the next ones fail fast with ErrDown for RetryAfter, then
// Redis is tried again, so a dead server costs requests nothing and recovery is automatic.
type State struct {
	c redis.UniversalClient
	o Options

	mu        sync.Mutex // guards the fields below
	lastErr   error      // nil after a successful call
	downUntil time.Time
}

// New returns a State over c, which the caller keeps owning (and closes).
func New(c redis.UniversalClient, o Options) (*State, error) {
	if c == nil {
		return nil, errors.New("redisstate: a client is required")
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.fill()
	return &State{c: c, o: o}, nil
}

// Options returns the options in force (defaults filled in).
func (s *State) Options() Options { return s.o }

// Client returns the client.
func (s *State) Client() redis.UniversalClient { return s.c }

func (s *State) key(parts ...string) string {
	k := s.o.Prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

// down returns ErrDown while calls fail fast.
func (s *State) down() error {
	s.mu.Lock()
	err, until := s.lastErr, s.downUntil
	s.mu.Unlock()
	if err != nil && time.Now().Before(until) {
		return fmt.Errorf("%w: %w", ErrDown, err)
	}
	return nil
}

// begin starts a call: a context bounded by Timeout, or ErrDown while failing fast.
func (s *State) begin(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if err := s.down(); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	return ctx, cancel, nil
}

// end records a call's outcome; redis.Nil (a missing key) is a success.
func (s *State) end(err error) error {
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.lastErr = nil
		return nil
	}
	s.lastErr = err
	if s.o.RetryAfter > 0 {
		s.downUntil = time.Now().Add(s.o.RetryAfter)
	}
	return fmt.Errorf("redis: %w", err)
}

// Err returns nil while Redis answers, and the last failure since the last successful call
// otherwise. It does no I/O: degraded flags read it on every request.
func (s *State) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastErr == nil {
		return nil
	}
	return fmt.Errorf("redis: %w", s.lastErr)
}

// Ping checks Redis now, bypassing the fail-fast window (for readiness probes and recovery).
func (s *State) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	return s.end(s.c.Ping(ctx).Err())
}

// TryLock takes a lock named name for ttl unless another holder has it, and reports whether it
// did. Locks are not released: they end with their ttl (they guard scheduled rounds).
func (s *State) TryLock(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	ctx, cancel, err := s.begin(ctx)
	if err != nil {
		return false, err
	}
	defer cancel()
	ok, err := s.c.SetNX(ctx, s.key("lock", name), "1", ttl).Result()
	return ok, s.end(err)
}
