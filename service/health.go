package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/store"
)

// Dependency is an outside system the service needs, with a check that returns nil while it
// answers. The store ("store") and an index that can ping itself ("index") are checked
// without being listed; Options.Dependencies adds others (Redis, for one). Check must honour
// its context's deadline.
type Dependency struct {
	Name  string
	Check func(context.Context) error
}

// DependencyState is a dependency's last known state.
type DependencyState struct {
	Name    string    `json:"name"`
	Up      bool      `json:"up"`
	Error   string    `json:"error,omitempty"`
	Since   time.Time `json:"since"`            // when it last changed state (start time if never)
	Checked time.Time `json:"checked,omitzero"` // last check; zero before the first
}

// HealthReport is the state of every dependency. Degraded is true while any is down: reads
// answer from what the process holds in memory, and writes that cannot be made durable fail.
type HealthReport struct {
	Degraded     bool              `json:"degraded"`
	Dependencies []DependencyState `json:"dependencies"`
}

// HealthOptions configure RunHealthChecks.
type HealthOptions struct {
	Interval time.Duration // between checks; default 1s
	Timeout  time.Duration // per check; default 2s
}

// DefaultHealthOptions returns the defaults described on HealthOptions.
func DefaultHealthOptions() HealthOptions {
	return HealthOptions{Interval: time.Second, Timeout: 2 * time.Second}
}

// health holds the dependencies' states: mu guards state and down; rechecking and timeout
// are atomics. Safe for concurrent use.
type health struct {
	deps  []Dependency
	mu    sync.RWMutex
	state []DependencyState
	down  int // how many are down
	log   *slog.Logger
	// rechecking flags a recheck in flight per dependency; timeout bounds it.
	rechecking []atomic.Bool
	timeout    atomic.Int64 // time.Duration
	downNow    atomic.Int32 // down as of the last set, for degraded
}

// pinger is an index (or anything) that can say whether it answers.
type pinger interface {
	Ping(ctx context.Context) error
}

// newHealth checks the store and the index when they can ping, and extra.
func newHealth(st store.Store, idx index.Index, extra []Dependency, log *slog.Logger) *health {
	var deps []Dependency
	if p, ok := st.(store.Pinger); ok {
		deps = append(deps, Dependency{Name: "store", Check: p.Ping})
	}
	if p, ok := idx.(pinger); ok {
		deps = append(deps, Dependency{Name: "index", Check: p.Ping})
	}
	for _, d := range extra {
		if d.Name != "" && d.Check != nil {
			deps = append(deps, d)
		}
	}
	now := time.Now().UTC()
	h := &health{deps: deps, state: make([]DependencyState, len(deps)), log: log,
		rechecking: make([]atomic.Bool, len(deps))}
	h.timeout.Store(int64(DefaultHealthOptions().Timeout))
	for i, d := range deps {
		h.state[i] = DependencyState{Name: d.Name, Up: true, Since: now}
	}
	return h
}

// set records one dependency's result and logs a change of state.
func (h *health) set(i int, err error, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := &h.state[i]
	st.Checked = now
	up := err == nil
	if up != st.Up {
		if up {
			h.down--
			h.log.Info("dependency is back", "dependency", st.Name, "down_for", now.Sub(st.Since).Round(time.Millisecond))
		} else {
			h.down++
			h.log.Warn("dependency is down: serving degraded", "dependency", st.Name, "err", err)
		}
		st.Since = now
	}
	h.downNow.Store(int32(h.down))
	st.Up = up
	st.Error = ""
	if err != nil {
		st.Error = err.Error()
	}
}

// recheck checks one dependency now, in the background, after a failure seen outside the
// periodic checks (a write or a follower pass): its state follows the check, not the failure,
// so a transient error (a busy SQLite writer) does not mark it down. At most one recheck per
// dependency runs at a time.
func (h *health) recheck(name string) {
	for i, d := range h.deps {
		if d.Name != name || !h.rechecking[i].CompareAndSwap(false, true) {
			continue
		}
		go func() {
			defer h.rechecking[i].Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(h.timeout.Load()))
			defer cancel()
			h.set(i, safeCheck(ctx, d.Check), time.Now().UTC())
		}()
	}
}

// check runs every check once, concurrently, each bounded by timeout.
func (h *health) check(ctx context.Context, timeout time.Duration) {
	var wg sync.WaitGroup
	for i, d := range h.deps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			err := safeCheck(cctx, d.Check)
			if ctx.Err() != nil {
				return // shutting down: not the dependency's fault
			}
			h.set(i, err, time.Now().UTC())
		}()
	}
	wg.Wait()
}

func safeCheck(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("check panicked: %v", v)
		}
	}()
	return fn(ctx)
}

// Health returns every dependency's last known state.
func (h *health) Health() HealthReport {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return HealthReport{Degraded: h.down > 0, Dependencies: append([]DependencyState{}, h.state...)}
}

// degraded reports whether a dependency is down. Cheap, and lock-free: read paths call it per
// response, and a read lock there queued requests behind a check's write.
func (h *health) degraded() bool { return h.downNow.Load() > 0 }

// CheckHealth checks every dependency now and returns the result.
func (h *health) CheckHealth(ctx context.Context, timeout time.Duration) HealthReport {
	if timeout <= 0 {
		timeout = DefaultHealthOptions().Timeout
	}
	h.check(ctx, timeout)
	return h.Health()
}

// RunHealthChecks checks every dependency at once and then every Interval until ctx ends.
func (h *health) RunHealthChecks(ctx context.Context, opts HealthOptions) {
	d := DefaultHealthOptions()
	if opts.Interval <= 0 {
		opts.Interval = d.Interval
	}
	if opts.Timeout <= 0 {
		opts.Timeout = d.Timeout
	}
	h.timeout.Store(int64(opts.Timeout))
	t := time.NewTicker(opts.Interval)
	defer t.Stop()
	for {
		h.check(ctx, opts.Timeout)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// storeFailed rechecks the store at once when a write failed because it is unavailable.
func (h *health) storeFailed(err error) {
	if errors.Is(err, recd.ErrUnavailable) {
		h.recheck("store")
	}
}
