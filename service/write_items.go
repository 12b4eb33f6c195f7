package service

import (
	"context"
	"fmt"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// writer is the write path: it validates items, users and events, stores them durably (event
// batches through the group commit) and then applies them to the live state and the index,
// so the very next request sees them. It owns no data besides the group commit's queue
// (guarded by the group commit); it is safe for concurrent use. A user's deletion is the
// deleter's.
type writer struct {
	opts    *Options
	st      store.Store
	gate    *userGate
	live    liveState
	vec     *vectors
	health  *health
	metrics *Metrics
	commits groupCommit // merges concurrent event writes into one transaction
	// imp is the impression recorder events are attributed against (nil: impressions off).
	imp *impressions
	// rot are the rotation counts an interaction resets.
	rot *rotationCounts
}

// putItemsStaged validates and stores items durably and returns the function that indexes
// them (see Service.PutItemsStaged).
func (w *writer) putItemsStaged(ctx context.Context, items []recd.Item) (func() error, error) {
	if len(items) > w.opts.Limits.MaxBatch {
		return nil, recd.Invalid("items", fmt.Sprintf("a batch holds at most %d items", w.opts.Limits.MaxBatch))
	}
	prefix := func(n int) string {
		if len(items) > 1 {
			return fmt.Sprintf("items[%d].", n)
		}
		return ""
	}
	seen := make(map[string]int, len(items))
	for n := range items {
		if err := w.opts.Limits.ValidateItem(prefix(n), &items[n]); err != nil {
			return nil, err
		}
		if first, dup := seen[items[n].ID]; dup {
			return nil, recd.Invalid(prefix(n)+"id", fmt.Sprintf("repeats the id of items[%d]", first))
		}
		seen[items[n].ID] = n
	}
	// Held from the store write until the items are indexed, so that an index snapshot never
	// records a vector-log sequence whose vectors it lacks.
	w.vec.hold()
	if err := w.vec.prepareSpaces(ctx, items, prefix); err != nil {
		w.vec.release()
		return nil, err
	}
	if err := w.st.PutItems(ctx, items); err != nil {
		w.vec.release()
		w.health.storeFailed(err)
		return nil, fmt.Errorf("store items: %w", err)
	}
	w.live.putItems(ctx, items)
	w.metrics.ItemsWritten.Add(float64(len(items)))
	return func() error {
		defer w.vec.release()
		defer w.vec.contentChanged()
		return w.vec.indexItems(ctx, items, true)
	}, nil
}

// putItems is putItemsStaged with the indexing done before it returns.
func (w *writer) putItems(ctx context.Context, items []recd.Item) error {
	index, err := w.putItemsStaged(ctx, items)
	if err != nil {
		return err
	}
	return index()
}

// deleteItem deletes an item from the store, the live state and the index.
func (w *writer) deleteItem(ctx context.Context, id string) error {
	w.vec.hold()
	defer w.vec.release()
	if err := w.st.DeleteItem(ctx, id); err != nil {
		return err
	}
	w.live.deleteItem(ctx, id)
	defer w.vec.contentChanged()
	return w.vec.delete(ctx, []string{id})
}

// putUser validates and stores a user.
func (w *writer) putUser(ctx context.Context, u recd.User) error {
	if err := w.opts.Limits.validID("id", u.ID); err != nil {
		return err
	}
	if err := w.opts.Limits.validAttrs("attributes", u.Attributes); err != nil {
		return err
	}
	return w.st.PutUser(ctx, u)
}
