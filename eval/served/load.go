package served

import (
	"context"
	"fmt"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
	"github.com/recd/recd/service"
)

// Batch sizes of the writes that load a training split into a service.
const (
	itemBatch  = 5000
	eventBatch = 10000
)

// historyTime stamps the training events: old enough to stay out of the live session (its
// TTL is minutes), so a request sees the training history as history only.
var historyTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// load writes the catalog and the training interactions of d into svc: one event per
// (user, item) pair of d, dated by the newest of the pair's events when events are given,
// else all at historyTime.
func load(ctx context.Context, svc *service.Service, catalog []recd.Item, d *model.Dataset, events []recd.Event) error {
	items := recommendable(catalog, d)
	for i := 0; i < len(items); i += itemBatch {
		if err := svc.PutItems(ctx, items[i:min(i+itemBatch, len(items))]); err != nil {
			return fmt.Errorf("hybrid: items: %w", err)
		}
	}
	when := pairTimes(events)
	var batch []recd.Event
	for u := 0; u < d.NumUsers(); u++ {
		its, ws := d.UserRow(u)
		for n, i := range its {
			ts, ok := when[[2]string{d.Users[u], d.Items[i]}]
			if !ok {
				ts = historyTime
			}
			batch = append(batch, recd.Event{UserID: d.Users[u], ItemID: d.Items[i], Type: "interaction",
				Value: float64(ws[n]), Timestamp: ts})
			if len(batch) == eventBatch {
				if _, err := svc.AddEvents(ctx, batch); err != nil {
					return fmt.Errorf("hybrid: events: %w", err)
				}
				batch = batch[:0]
			}
		}
	}
	if len(batch) > 0 {
		if _, err := svc.AddEvents(ctx, batch); err != nil {
			return fmt.Errorf("hybrid: events: %w", err)
		}
	}
	return nil
}

// recommendable returns the catalog as the service should hold it, followed by the
// training items the catalog lacks. Every model is ranked over the training items (the
// protocol's candidates): catalog items without a training event stay in the catalog, for
// the content model, but are not available to recommend, as no other model can recommend
// them and a list slot given to one could never count.
func recommendable(catalog []recd.Item, d *model.Dataset) []recd.Item {
	items := make([]recd.Item, 0, max(len(catalog), len(d.Items)))
	known := make(map[string]bool, len(catalog))
	for _, it := range catalog {
		_, trained := d.ItemIndex[it.ID]
		it.Available = it.Available && trained
		items = append(items, it)
		known[it.ID] = true
	}
	for _, id := range d.Items {
		if !known[id] {
			items = append(items, recd.Item{ID: id, Available: true})
		}
	}
	return items
}

// pairTimes returns the newest time of each (user, item) pair's dated events.
func pairTimes(events []recd.Event) map[[2]string]time.Time {
	out := make(map[[2]string]time.Time, len(events))
	for _, e := range events {
		k := [2]string{e.UserID, e.ItemID}
		if !e.Timestamp.IsZero() && e.Timestamp.After(out[k]) {
			out[k] = e.Timestamp
		}
	}
	return out
}
