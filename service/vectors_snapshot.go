package service

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/recd/recd/index"
	"github.com/recd/recd/store"
)

// indexMeta is written beside an index snapshot: how far it caught up with the store.
type indexMeta struct {
	Seq     int64     `json:"seq"`
	SavedAt time.Time `json:"saved_at"`
}

func (v *vectors) metaPath() string { return filepath.Join(v.stateDir, "index-state.json") }

// SaveIndex snapshots the index, if it persists itself, with the vector-log sequence it holds.
// Writes wait while the snapshot is taken, so the sequence and the contents agree.
func (v *vectors) SaveIndex(ctx context.Context) error {
	snap, ok := v.idx.(index.Snapshotter)
	if !ok || v.stateDir == "" {
		return nil
	}
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	var seq int64
	if vs, ok := v.st.(store.VectorSeqer); ok {
		var err error
		if seq, err = vs.MaxVectorSeq(ctx); err != nil {
			return err
		}
	}
	seq = v.snapshotSeq(seq) // other replicas' vectors the follower has not applied yet are not in it
	start := time.Now()
	if err := snap.Save(seq); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	b, _ := json.Marshal(indexMeta{Seq: seq, SavedAt: start.UTC()})
	if err := writeFileAtomic(v.metaPath(), b); err != nil {
		return fmt.Errorf("save index state: %w", err)
	}
	v.dirty.Store(false)
	v.log.Info("saved vector index", "seq", seq, "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

// snapshotSeq bounds the vector-log sequence an index snapshot may record.
func (v *vectors) snapshotSeq(storeMax int64) int64 {
	if !v.following.Load() {
		return storeMax
	}
	return min(storeMax, v.indexedSeq.Load())
}

// RunPeriodicSave snapshots the index every interval while it has unsaved writes.
func (v *vectors) RunPeriodicSave(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if v.dirty.Load() {
				if err := v.SaveIndex(ctx); err != nil {
					v.log.Error("periodic index save failed", "err", err)
				}
			}
		}
	}
}

// writeFileAtomic writes a file by writing a temporary file, syncing and renaming it.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
