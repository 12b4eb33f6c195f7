package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/recd/recd/store"
)

// save writes the live histories to the snapshot file, unless the file already holds this
// state or snapshots are off. The histories are copied under a read lock (one copy of the
// entries); the encoding and the write run without it. It reports whether it wrote.
func (ls *liveSnapshots) save(m *memState) (bool, error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.path == "" || ls.storeID == "" {
		return false, nil
	}
	start := time.Now()
	m.mu.RLock()
	if f := ls.fresh; f != nil && f.lastSeq == m.users.lastSeq && f.nEvents == int64(m.users.nEvents) {
		m.mu.RUnlock()
		return false, nil
	}
	img := m.users.capture()
	m.mu.RUnlock()
	locked := time.Since(start)
	img.meta.version, img.meta.storeID, img.meta.schema, img.meta.config = liveSnapshotVersion, ls.storeID, ls.schema, ls.config
	img.meta.created = time.Now().UnixNano()
	img.sort()
	n, err := writeStreamAtomic(ls.path, img.encode)
	if err != nil {
		return false, err
	}
	ls.fresh = &img.meta
	ls.log.Info("saved live snapshot", "path", ls.path, "bytes", n, "users", len(img.users), "events", img.meta.nEvents,
		"seq", img.meta.lastSeq, "copy_under_lock", locked.Round(time.Microsecond), "elapsed", time.Since(start).Round(time.Millisecond))
	return true, nil
}

// writeStreamAtomic writes a file so that a crash at any point leaves either the old file or
// the new one whole: it writes path+".tmp", syncs it, renames it over path and syncs the
// directory (so that the rename itself is durable). It returns the bytes written.
func writeStreamAtomic(path string, write func(io.Writer) (int64, error)) (int64, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, fmt.Errorf("live snapshot: %w", err)
	}
	n, err := write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return n, fmt.Errorf("live snapshot: %w", err)
	}
	return n, syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("live snapshot: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("live snapshot: sync %s: %w", dir, err)
	}
	return nil
}

// SaveLiveState writes the snapshot of the live histories that the next start reads
// (Options.LiveSnapshot), unless the file already holds this state or snapshots are off. Call
// it at shutdown after the last write; RunPeriodicLiveSave calls it on a timer. Safe for
// concurrent use; saves run one at a time.
func (s *Service) SaveLiveState(ctx context.Context) error {
	if s.opts.TrainOnly {
		return nil // no histories were loaded: a save would describe none
	}
	if _, err := s.snaps.save(s.mem); err != nil {
		return err
	}
	// The file is saved: a failed upload only leaves a new replica an older shared copy.
	if err := s.snaps.publish(ctx); err != nil {
		s.log.Warn("live snapshot not published to the store; trying again at the next save", "err", err)
	}
	return nil
}

// publish uploads the snapshot file to the store's shared copy when sharing is on, the file
// holds the current state, and the store's copy is missing, or both older than shareEvery
// and older than the file (so that replicas sharing a store publish about once an interval
// between them, not each at every save).
func (ls *liveSnapshots) publish(ctx context.Context) error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.shared == nil || ls.shareEvery <= 0 || ls.fresh == nil {
		return nil
	}
	made := time.Unix(0, ls.fresh.created)
	switch at, _, err := ls.shared.SharedSnapshotInfo(ctx); {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return fmt.Errorf("live snapshot: %w", err)
	case !made.After(at) || time.Since(at) < ls.shareEvery:
		return nil
	}
	start := time.Now()
	f, err := os.Open(ls.path)
	if err != nil {
		return fmt.Errorf("live snapshot: %w", err)
	}
	defer f.Close()
	n, err := ls.shared.PutSharedSnapshot(ctx, made, f)
	if err != nil {
		return fmt.Errorf("live snapshot: %w", err)
	}
	ls.log.Info("published the live snapshot to the store", "bytes", n, "seq", ls.fresh.lastSeq,
		"elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

// RunPeriodicLiveSave saves the live state's snapshot every interval (default
// DefaultLiveSnapshotInterval; negative: never) until ctx ends, so that a start after a crash
// has only the events since the last save to read. A failed save is logged and retried at the
// next tick.
func (s *Service) RunPeriodicLiveSave(ctx context.Context, interval time.Duration) {
	if interval < 0 || s.snaps.path == "" {
		return
	}
	if interval == 0 {
		interval = DefaultLiveSnapshotInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.SaveLiveState(ctx); err != nil {
				s.log.Warn("live snapshot not saved; retrying at the next interval", "err", err)
			}
		}
	}
}

// DefaultLiveSnapshotInterval is how often serve saves the live state's snapshot.
const DefaultLiveSnapshotInterval = 10 * time.Minute
