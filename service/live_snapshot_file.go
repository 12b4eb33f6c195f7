package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/recd/recd/model"
	"github.com/recd/recd/store"
)

// liveSnapshots saves the live histories to a file (Options.LiveSnapshot) and starts the
// service from it: read the file, check it still describes the store, then apply only the
// events stored after it. Any doubt falls back to scanning every event, with the reason
// logged. mu serialises saves and guards storeID, schema and fresh. Safe for concurrent use.
type liveSnapshots struct {
	path   string // "" turns snapshots off
	st     store.Store
	els    store.EventLogState   // nil: the store cannot check a snapshot, so none is used
	shared store.SharedSnapshots // nil: the store keeps no shared snapshot
	// shareEvery is how often at most a snapshot is published to shared (0: never).
	shareEvery time.Duration
	config     uint64
	weights    model.Weights
	halfLife   time.Duration
	log        *slog.Logger

	mu      sync.Mutex
	storeID string // learnt at start; "" until then, and then saves do nothing
	schema  int
	// fresh holds the lastSeq and event count the file on disk was saved or started with: a
	// save of the same state is skipped.
	fresh *snapshotMeta
}

func newLiveSnapshots(opts *Options, st store.Store, log *slog.Logger) *liveSnapshots {
	els, _ := st.(store.EventLogState)
	shared, _ := st.(store.SharedSnapshots)
	return &liveSnapshots{path: opts.LiveSnapshot, st: st, els: els, shared: shared, shareEvery: opts.ShareLiveSnapshot, log: log,
		config: configFingerprint(opts.Weights, opts.TrendingHalfLife), weights: opts.Weights, halfLife: opts.TrendingHalfLife}
}

// load fills m from the snapshot and the events stored after it, or else from the store
// alone; it reports which ("snapshot" or "scan").
func (ls *liveSnapshots) load(ctx context.Context, m *memState) (string, error) {
	if ls.path == "" {
		return "scan", m.load(ctx, ls.st)
	}
	if ls.els == nil {
		ls.log.Info("live snapshot not used: the store cannot check one")
		return "scan", m.load(ctx, ls.st)
	}
	_ = os.Remove(ls.path + ".tmp") // a save cut short by a crash
	id, schema, err := ls.els.StoreIdentity(ctx)
	if err != nil {
		return "", err
	}
	ls.mu.Lock()
	ls.storeID, ls.schema = id, schema
	ls.mu.Unlock()
	h, meta, reason, err := ls.read(ctx)
	if err != nil {
		return "", err
	}
	if h == nil && ls.shared != nil {
		// A new replica (or one whose file is stale): the copy another replica published.
		if why := ls.fetch(ctx); why != "" {
			reason += "; " + why
		} else if h, meta, reason, err = ls.read(ctx); err != nil {
			return "", err
		} else if h == nil {
			reason = "the store's shared snapshot: " + reason
		}
	}
	if h == nil {
		ls.log.Info("live snapshot not used: scanning every stored event", "reason", reason, "path", ls.path)
		return "scan", m.load(ctx, ls.st)
	}
	caught, err := m.loadFrom(ctx, ls.st, h)
	if err != nil {
		return "", err
	}
	ls.log.Info("live state from snapshot", "path", ls.path, "snapshot_seq", meta.lastSeq,
		"snapshot_age", time.Since(time.Unix(0, meta.created)).Round(time.Second), "events_after", caught)
	if caught == 0 {
		ls.mu.Lock()
		ls.fresh = &meta
		ls.mu.Unlock()
	}
	return "snapshot", nil
}

// fetch replaces the snapshot file with the store's shared snapshot. It returns why not
// ("" when it did); a store that fails is a reason, not an error, since the start can
// still scan.
func (ls *liveSnapshots) fetch(ctx context.Context) string {
	start := time.Now()
	n, err := writeStreamAtomic(ls.path, func(w io.Writer) (int64, error) { return ls.shared.ReadSharedSnapshot(ctx, w) })
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "none shared in the store"
	case err != nil:
		ls.log.Warn("shared live snapshot not fetched", "err", err)
		return "the store's shared snapshot not fetched: " + err.Error()
	}
	ls.log.Info("fetched the shared live snapshot from the store", "path", ls.path, "bytes", n,
		"elapsed", time.Since(start).Round(time.Millisecond))
	return ""
}

// read decodes the snapshot file into new histories after checking it against the store. It
// returns nil histories and the reason when the snapshot must not be used; err only when
// the store fails.
func (ls *liveSnapshots) read(ctx context.Context) (*histories, snapshotMeta, string, error) {
	var meta snapshotMeta
	f, err := os.Open(ls.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, meta, "no snapshot file", nil
	}
	if err != nil {
		return nil, meta, err.Error(), nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, meta, err.Error(), nil
	}
	sr := newSnapReader(f, fi.Size())
	meta = sr.header()
	switch {
	case sr.err != nil:
		return nil, meta, sr.err.Error(), nil
	case meta.version != liveSnapshotVersion:
		return nil, meta, fmt.Sprintf("format version %d, this binary reads %d", meta.version, liveSnapshotVersion), nil
	case meta.storeID != ls.storeID:
		return nil, meta, "made from another store", nil
	case meta.schema != ls.schema:
		return nil, meta, fmt.Sprintf("made under schema version %d, the store has %d", meta.schema, ls.schema), nil
	case meta.config != ls.config:
		return nil, meta, "made under other event weights or trending half-life", nil
	}
	// The count reads the whole event table (at 20M events, about as long as decoding the
	// snapshot, both mostly I/O): it runs beside the decoding.
	type counted struct {
		n, newest int64
		err       error
	}
	count := make(chan counted, 1)
	go func() {
		var c counted
		c.n, c.newest, c.err = ls.els.EventsUpTo(ctx, meta.lastSeq)
		count <- c
	}()
	h := newHistories(ls.weights, ls.halfLife)
	berr := sr.body(h, &meta)
	c := <-count
	switch {
	case c.err != nil:
		return nil, meta, "", c.err
	case c.n != meta.nEvents || c.newest != meta.lastSeq:
		return nil, meta, fmt.Sprintf("the store holds %d events up to Seq %d (newest %d), the snapshot counted %d: events were deleted since",
			c.n, meta.lastSeq, c.newest, meta.nEvents), nil
	case berr != nil:
		return nil, meta, berr.Error(), nil
	}
	return h, meta, "", nil
}
