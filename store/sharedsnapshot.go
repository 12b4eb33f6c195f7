package store

import (
	"context"
	"io"
	"time"
)

// SharedSnapshots is implemented by stores that several serving processes share
// (PostgreSQL) and that can keep one copy of a process's live-state snapshot, so that a new
// replica whose data dir is empty starts from it and the events stored after it instead of
// scanning every event. The store holds the bytes only: the snapshot carries its own
// checksum and is checked against the store by whoever reads it. Check for it with a type
// assertion.
type SharedSnapshots interface {
	// PutSharedSnapshot replaces the shared snapshot with everything r yields, made at
	// created; all or nothing, and one put at a time across processes. It returns the bytes
	// stored.
	PutSharedSnapshot(ctx context.Context, created time.Time, r io.Reader) (int64, error)
	// SharedSnapshotInfo returns when the shared snapshot was made and its size, or an error
	// wrapping ErrNotFound when there is none.
	SharedSnapshotInfo(ctx context.Context) (created time.Time, size int64, err error)
	// ReadSharedSnapshot writes the whole shared snapshot to w (one consistent copy, whatever
	// a concurrent put does) and returns its size, or an error wrapping ErrNotFound.
	ReadSharedSnapshot(ctx context.Context, w io.Writer) (int64, error)
}
