package service

import (
	"context"
	"errors"
	"fmt"
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

// follower is the replica-following state. applied is guarded by Service.mu; the rest by mu,
// which also serialises passes.
type follower struct {
	applied *seqTracker
	kick    chan struct{}

	mu         sync.Mutex
	grace      time.Duration
	shared     bool // the index is shared: followers do not write it
	changeSeq  int64
	vectorSeq  int64
	badVersion string // a published model this binary cannot load; not retried
	status     FollowStatus
	events     atomic.Int64
	// indexedVectorSeq is how far the index holds the vector log while the follower runs
	// (following true): an index snapshot records no later sequence, so that a restart
	// replays what the follower had not applied yet.
	indexedVectorSeq atomic.Int64
	following        atomic.Bool
	modelsLoaded     atomic.Int64 // published models the follower loaded
	wantModel        atomic.Bool  // another replica announced a model: look on the next pass
	running          atomic.Bool
}

// snapshotSeq bounds the vector-log sequence an index snapshot may record.
func (f *follower) snapshotSeq(storeMax int64) int64 {
	if !f.following.Load() {
		return storeMax
	}
	return min(storeMax, f.indexedVectorSeq.Load())
}

func newFollower() *follower {
	return &follower{applied: newSeqTracker(), kick: make(chan struct{}, 1), grace: DefaultFollowOptions().Grace}
}

// start records where the change feed and the vector log stand before New loads the state,
// so that the first pass re-applies (idempotently) whatever is written meanwhile.
func (f *follower) start(ctx context.Context, st store.Store) error {
	if cf, ok := st.(store.ChangeFeed); ok {
		seq, err := cf.MaxChangeSeq(ctx)
		if err != nil {
			return fmt.Errorf("change feed position: %w", err)
		}
		f.changeSeq = seq
	}
	if vs, ok := st.(store.VectorSeqer); ok {
		seq, err := vs.MaxVectorSeq(ctx)
		if err != nil {
			return fmt.Errorf("vector log position: %w", err)
		}
		f.vectorSeq = seq
	}
	return nil
}

// Notify asks the running follower for a pass now (a change notification from another
// replica, e.g. over Redis pub/sub). It never blocks; passes asked for while one runs
// collapse into one.
func (s *Service) Notify() {
	select {
	case s.follow.kick <- struct{}{}:
	default:
	}
}

// NotifyModel is Notify for a model another replica announced: the next pass also looks for
// a newer published model, whatever the model poll interval.
func (s *Service) NotifyModel() {
	s.follow.wantModel.Store(true)
	s.Notify()
}

// FollowStatus returns the follower's progress.
func (s *Service) FollowStatus() FollowStatus {
	s.follow.mu.Lock()
	st := s.follow.status
	s.follow.mu.Unlock()
	s.mu.RLock()
	st.EventSeq, st.PendingEvents = s.follow.applied.floor, s.follow.applied.pending()
	s.mu.RUnlock()
	st.Events = s.follow.events.Load()
	st.Running = s.follow.running.Load()
	return st
}

// RunFollower applies what other replicas write to the shared store, every Interval and
// whenever Notify is called, and loads newer models every ModelInterval, until ctx ends.
// Start it once, in serve, when the store is shared (PostgreSQL).
func (s *Service) RunFollower(ctx context.Context, opts FollowOptions) {
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
	s.follow.mu.Lock()
	s.follow.grace, s.follow.shared = opts.Grace, opts.SharedIndex
	if !opts.SharedIndex {
		s.follow.indexedVectorSeq.Store(s.follow.vectorSeq)
		s.follow.following.Store(true)
	}
	s.follow.mu.Unlock()
	s.follow.running.Store(true)
	defer s.follow.running.Store(false)
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
		case <-s.follow.kick:
		}
		withModel = s.follow.wantModel.Swap(false) || withModel
		err := s.sync(ctx, withModel)
		switch {
		case ctx.Err() != nil:
		case err != nil && !failing:
			s.log.Warn("following the shared store failed; retrying every interval", "err", err)
		case err == nil && failing:
			s.log.Info("following the shared store again")
		}
		failing = err != nil
	}
}

// Sync applies, once and now, everything other replicas wrote to the shared store since the
// last pass (catalog changes, events, vectors) and loads a newer model if one was published.
// Safe for concurrent use; passes run one at a time.
func (s *Service) Sync(ctx context.Context) error { return s.sync(ctx, true) }

func (s *Service) sync(ctx context.Context, withModel bool) error {
	f := s.follow
	f.mu.Lock()
	defer f.mu.Unlock()
	// Catalog changes first: an event follows the item it names, and a user's delete
	// precedes their later events.
	errs := []error{s.followChanges(ctx), s.followEvents(ctx), s.followVectors(ctx)}
	if withModel {
		errs = append(errs, s.followModel(ctx))
	}
	err := errors.Join(errs...)
	f.status.LastSync = time.Now().UTC()
	f.status.LastError = ""
	f.status.ChangeSeq, f.status.VectorSeq = f.changeSeq, f.vectorSeq
	if err != nil {
		f.status.LastError = err.Error()
		if errors.Is(err, recd.ErrUnavailable) {
			s.health.recheck("store")
		}
	}
	return err
}

// followEvents applies events after the tracker's floor that this replica has not applied.
// The caller holds follow.mu.
func (s *Service) followEvents(ctx context.Context) error {
	s.mu.RLock()
	from := s.follow.applied.floor
	s.mu.RUnlock()
	flush := false
	err := s.st.ScanEvents(ctx, from, func(e recd.Event) error {
		s.mu.Lock()
		if s.follow.applied.has(e.Seq) {
			s.mu.Unlock()
			return nil
		}
		if h := s.hist[e.UserID]; h != nil && e.Seq < h.seq {
			flush = true // the user's cached answers are keyed by their newest Seq, which stays
		}
		s.observe(&e)
		s.mu.Unlock()
		s.follow.events.Add(1)
		if s.opts.Redis == nil && s.opts.Weights.Of(e) > 0 {
			// Sessions are per process without Redis; with Redis the writer recorded it.
			_ = s.sessions.Record(e.UserID, e.ItemID, e.Type, e.Timestamp)
			if e.SessionID != "" {
				_ = s.sessions.Record("session:"+e.SessionID, e.ItemID, e.Type, e.Timestamp)
			}
		}
		return nil
	})
	s.mu.Lock()
	s.follow.applied.advance(time.Now(), s.follow.grace)
	s.mu.Unlock()
	if flush {
		s.cache.catalogChanged()
	}
	if err != nil {
		return fmt.Errorf("follow events: %w", err)
	}
	return nil
}
