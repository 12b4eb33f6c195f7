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
	"github.com/recd/recd/store"
)

// FollowOptions configure RunFollower: how a replica applies what other replicas sharing its
// store wrote.
type FollowOptions struct {
	// Interval between catch-up passes over the shared store: catalog changes, events and the
	// vector log. Default 1s.
	Interval time.Duration
	// ModelInterval between checks for a newer model artifact (one small query listing the
	// artifacts' metadata). Default 5s.
	ModelInterval time.Duration
	// Grace is how long an event sequence number missing below the newest one seen is waited
	// for before it is taken as gone (a rolled-back transaction). Default 10s.
	Grace time.Duration
	// SharedIndex says every replica uses the same vector index (Qdrant): the replica that
	// writes an item, a vector or a model indexes it, and followers only update their live
	// state and swap models. False (an embedded index per replica): followers index too.
	SharedIndex bool
}

// DefaultFollowOptions returns the defaults described on FollowOptions.
func DefaultFollowOptions() FollowOptions {
	return FollowOptions{Interval: time.Second, ModelInterval: 5 * time.Second, Grace: 10 * time.Second}
}

// FollowStatus describes the follower's progress, for /readyz and tests.
type FollowStatus struct {
	LastSync      time.Time `json:"last_sync"`
	LastError     string    `json:"last_error,omitempty"`
	EventSeq      int64     `json:"event_seq"`      // every event up to here is applied
	PendingEvents int       `json:"pending_events"` // sequence numbers below the newest still awaited
	ChangeSeq     int64     `json:"change_seq"`
	VectorSeq     int64     `json:"vector_seq"`
	Events        int64     `json:"events_applied"`  // written by other replicas, since start
	Changes       int64     `json:"changes_applied"` // item and user changes from other replicas
	Vectors       int64     `json:"vectors_applied"`
	Models        int64     `json:"models_loaded"`
	Running       bool      `json:"running"` // RunFollower has set up and is following
}

// follower applies what other replicas sharing the store wrote: catalog changes, events,
// vectors and published models. mu serialises passes and guards the positions, badVersion
// and status; events, wantModel and running are atomics; the tracker of applied events is
// the live state's. Safe for concurrent use.
type follower struct {
	st     store.Store
	live   liveState
	vec    *vectors
	train  *trainer
	health *health
	log    *slog.Logger
	kick   chan struct{}
	// forget erases a user deleted through another replica (the deleter's forgetFollowed),
	// then calls reload; it reports whether this replica held anything of them.
	forget func(ctx context.Context, id string, reload func() error) (bool, error)

	mu         sync.Mutex
	grace      time.Duration
	shared     bool // the index is shared: followers do not write it
	changeSeq  int64
	vectorSeq  int64
	badVersion string // a published model this binary cannot load; not retried
	status     FollowStatus
	events     atomic.Int64
	wantModel  atomic.Bool // another replica announced a model: look on the next pass
	running    atomic.Bool
}

func newFollower(st store.Store, live liveState, vec *vectors, tr *trainer, h *health, log *slog.Logger) *follower {
	return &follower{st: st, live: live, vec: vec, train: tr, health: h, log: log, kick: make(chan struct{}, 1),
		grace: DefaultFollowOptions().Grace}
}

// start records where the change feed and the vector log stand before New loads the state,
// so that the first pass re-applies (idempotently) whatever is written meanwhile.
func (f *follower) start(ctx context.Context) error {
	if cf, ok := f.st.(store.ChangeFeed); ok {
		seq, err := cf.MaxChangeSeq(ctx)
		if err != nil {
			return fmt.Errorf("change feed position: %w", err)
		}
		f.changeSeq = seq
	}
	if vs, ok := f.st.(store.VectorSeqer); ok {
		seq, err := vs.MaxVectorSeq(ctx)
		if err != nil {
			return fmt.Errorf("vector log position: %w", err)
		}
		f.vectorSeq = seq
	}
	return nil
}

// exclusive waits for the pass in progress, keeps passes from starting until the returned
// function is called, and returns it: a user's deletion runs between two passes.
func (f *follower) exclusive() func() {
	f.mu.Lock()
	return f.mu.Unlock
}

// Notify asks the running follower for a pass now (a change notification from another
// replica, e.g. over Redis pub/sub). It never blocks; passes asked for while one runs
// collapse into one.
func (f *follower) Notify() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// NotifyModel is Notify for a model another replica announced: the next pass also looks for
// a newer published model, whatever the model poll interval.
func (f *follower) NotifyModel() {
	f.wantModel.Store(true)
	f.Notify()
}

// FollowStatus returns the follower's progress.
func (f *follower) FollowStatus() FollowStatus {
	f.mu.Lock()
	st := f.status
	f.mu.Unlock()
	st.EventSeq, st.PendingEvents = f.live.appliedState()
	st.Events = f.events.Load()
	st.Running = f.running.Load()
	return st
}

// setUp applies RunFollower's options before the first pass.
func (f *follower) setUp(opts FollowOptions) FollowOptions {
	d := DefaultFollowOptions()
	if opts.Interval <= 0 {
		opts.Interval = d.Interval
	}
	if opts.ModelInterval <= 0 {
		opts.ModelInterval = d.ModelInterval
	}
	if opts.Grace <= 0 {
		opts.Grace = d.Grace
	}
	f.mu.Lock()
	f.grace, f.shared = opts.Grace, opts.SharedIndex
	if !opts.SharedIndex {
		f.vec.indexedSeq.Store(f.vectorSeq)
		f.vec.following.Store(true)
	}
	f.mu.Unlock()
	return opts
}

// RunFollower applies what other replicas write to the shared store, every Interval and
// whenever Notify is called, and loads newer models every ModelInterval, until ctx ends.
// Start it once, in serve, when the store is shared (PostgreSQL).
// Sync applies, once and now, everything other replicas wrote to the shared store since the
// last pass (catalog changes, events, vectors) and loads a newer model if one was published.
// Safe for concurrent use; passes run one at a time.
func (f *follower) Sync(ctx context.Context) error { return f.sync(ctx, true) }

func (f *follower) RunFollower(ctx context.Context, opts FollowOptions) {
	opts = f.setUp(opts)
	f.running.Store(true)
	defer f.running.Store(false)
	t := time.NewTicker(opts.Interval)
	defer t.Stop()
	mt := time.NewTicker(opts.ModelInterval) // its own clock: a slow follow interval must not delay models
	defer mt.Stop()
	failing := false
	first := true
	for {
		withModel := first
		first = false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-mt.C:
			withModel = true
		case <-f.kick:
		}
		withModel = f.wantModel.Swap(false) || withModel
		err := f.sync(ctx, withModel)
		switch {
		case ctx.Err() != nil:
		case err != nil && !failing:
			f.log.Warn("following the shared store failed; retrying every interval", "err", err)
		case err == nil && failing:
			f.log.Info("following the shared store again")
		}
		failing = err != nil
	}
}

// sync runs one pass. Passes run one at a time.
func (f *follower) sync(ctx context.Context, withModel bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Catalog changes first: an event follows the item it names, and a user's delete
	// precedes their later events.
	errs := []error{f.followChanges(ctx), f.followEvents(ctx), f.followVectors(ctx)}
	if withModel {
		errs = append(errs, f.followModel(ctx))
	}
	err := errors.Join(errs...)
	f.status.LastSync = time.Now().UTC()
	f.status.LastError = ""
	f.status.ChangeSeq, f.status.VectorSeq = f.changeSeq, f.vectorSeq
	if err != nil {
		f.status.LastError = err.Error()
		if errors.Is(err, recd.ErrUnavailable) {
			f.health.recheck("store")
		}
	}
	return err
}

// followEvents applies events after the tracker's floor that this replica has not applied.
// The caller holds f.mu.
func (f *follower) followEvents(ctx context.Context) error {
	from, _ := f.live.appliedState()
	flush := false
	err := f.st.ScanEvents(ctx, from, func(e recd.Event) error {
		applied, stale := f.live.applyFollowed(&e)
		if applied {
			flush = flush || stale
			f.events.Add(1)
		}
		return nil
	})
	f.live.advanceApplied(f.grace)
	if flush {
		f.live.responses().catalogChanged()
	}
	if err != nil {
		return fmt.Errorf("follow events: %w", err)
	}
	return nil
}
