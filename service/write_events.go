package service

import (
	"context"
	"fmt"
	"time"

	"github.com/recd/recd"
)

// addEvents validates a batch of events, stores it durably and applies it to the live state
// (see Service.AddEvents).
func (w *writer) addEvents(ctx context.Context, events []recd.Event) ([]recd.Event, error) {
	stored, apply, err := w.storeEvents(ctx, events)
	if err != nil {
		return nil, err
	}
	apply()
	return stored, nil
}

// storeEvents validates a batch of events and stores it durably; the returned apply brings
// the stored events into the live state (see Service.StoreEvents). The users' gates are held
// from before the commit until apply returns, so a deletion of one of them either erases this
// batch with the rest of their history or runs after it, never in between (see userGate).
func (w *writer) storeEvents(ctx context.Context, events []recd.Event) ([]recd.Event, func(), error) {
	if err := w.validateEvents(events); err != nil {
		return nil, nil, err
	}
	if err := w.imp.attribute(ctx, events); err != nil {
		return nil, nil, err
	}
	if err := w.createMissing(ctx, events); err != nil {
		return nil, nil, err
	}
	unlock := w.gate.rlockEvents(events)
	stored, err := w.commits.add(ctx, w.st, events)
	if err != nil {
		unlock()
		w.health.storeFailed(err)
		return nil, nil, fmt.Errorf("store events: %w", err)
	}
	return stored, func() {
		defer unlock()
		w.live.addEvents(ctx, stored)
		w.rot.interacted(stored)
		w.metrics.EventsWritten.Add(float64(len(stored)))
		w.imp.countAttributed(ctx, stored)
	}, nil
}

// validateEvents checks a batch and sets missing timestamps to now (all in UTC).
func (w *writer) validateEvents(events []recd.Event) error {
	if len(events) == 0 {
		return recd.Invalid("events", "the batch is empty")
	}
	if len(events) > w.opts.Limits.MaxBatch {
		return recd.Invalid("events", fmt.Sprintf("a batch holds at most %d events", w.opts.Limits.MaxBatch))
	}
	now := time.Now().UTC()
	times := TimeBounds{Min: w.opts.MinTimestamp, MaxFutureSkew: w.opts.MaxFutureSkew}
	for n := range events {
		e := &events[n]
		if err := w.opts.Limits.ValidateEvent(fmt.Sprintf("[%d].", n), e, times, now); err != nil {
			return err
		}
		if e.Timestamp.IsZero() {
			e.Timestamp = now
		}
		e.Timestamp = e.Timestamp.UTC()
	}
	return nil
}

// createMissing rejects events naming an item not in the catalog with ErrUnprocessable, or,
// with AutoCreateItems, creates bare items for them.
func (w *writer) createMissing(ctx context.Context, events []recd.Event) error {
	unknown := w.live.unknownItems(events)
	if len(unknown) == 0 {
		return nil
	}
	if !w.opts.AutoCreateItems {
		n := unknown[0]
		return recd.Unprocessable(fmt.Sprintf("[%d].item_id", n),
			fmt.Sprintf("item %q is not in the catalog (create it first, or turn on auto_create_items)", events[n].ItemID))
	}
	missing := make([]recd.Item, 0, len(unknown))
	for _, n := range unknown {
		missing = append(missing, recd.Item{ID: events[n].ItemID, Available: true})
	}
	return w.putItems(ctx, dedupItems(missing))
}

func dedupItems(items []recd.Item) []recd.Item {
	seen := map[string]bool{}
	out := items[:0]
	for _, it := range items {
		if !seen[it.ID] {
			seen[it.ID] = true
			out = append(out, it)
		}
	}
	return out
}
