package store

import (
	"context"

	"github.com/recd/recd"
)

// ChangeKind names what a catalog change is about.
type ChangeKind string

// Kinds of catalog change.
const (
	// ChangeItem is an item put (Item set) or delete (Deleted true).
	ChangeItem ChangeKind = "item"
	// ChangeUser is a user delete (with all their events); user puts are not logged because
	// they do not change what replicas hold in memory.
	ChangeUser ChangeKind = "user"
)

// Change is the newest change of one item or user, as the change feed reports it.
type Change struct {
	Seq     int64 // strictly increasing in commit order of the writes that logged it
	Kind    ChangeKind
	ID      string
	Deleted bool
	// Item is the item as it is now (without vectors) for an item put; nil otherwise.
	Item *recd.Item
}

// ChangeFeed is implemented by stores that log catalog changes (item puts and deletes, user
// deletes) in the same transaction as the change, so that replicas sharing the store can
// follow what the others wrote. Only the newest change of each item or user is kept: a
// reader catching up after Seq n sees every item and user changed since, once, in its
// newest state. Check for it with a type assertion.
type ChangeFeed interface {
	// ScanChanges calls fn for every change with Seq > afterSeq in Seq order; fn's error
	// stops the scan.
	ScanChanges(ctx context.Context, afterSeq int64, fn func(Change) error) error
	// MaxChangeSeq returns the highest Seq in the feed (0 when empty).
	MaxChangeSeq(ctx context.Context) (int64, error)
}
