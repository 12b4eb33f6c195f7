package service

import (
	"context"
	"fmt"
	"time"

	"github.com/recd/recd"
)

// PutItems validates and stores items (all or nothing), updates the live catalog and indexes
// their vectors: client vectors into their spaces (a space seen for the first time is created
// with the dimension of its first vector), and content vectors from the serving content
// model, so a new item has content neighbours at once. Available defaults to true in the HTTP
// layer; here the item is taken as given.
func (s *Service) PutItems(ctx context.Context, items []recd.Item) error {
	index, err := s.PutItemsStaged(ctx, items)
	if err != nil {
		return err
	}
	return index()
}

// PutItemsStaged does what PutItems does in two stages: it validates and stores the items
// durably before it returns, and the returned function indexes them. Bulk ingestion uses it
// to index one batch while the next is stored. The caller must call the function exactly
// once (from any goroutine): index snapshots wait until it has run.
func (s *Service) PutItemsStaged(ctx context.Context, items []recd.Item) (func() error, error) {
	if len(items) > s.opts.Limits.MaxBatch {
		return nil, recd.Invalid("items", fmt.Sprintf("a batch holds at most %d items", s.opts.Limits.MaxBatch))
	}
	prefix := func(n int) string {
		if len(items) > 1 {
			return fmt.Sprintf("items[%d].", n)
		}
		return ""
	}
	seen := make(map[string]int, len(items))
	for n := range items {
		if err := s.opts.Limits.ValidateItem(prefix(n), &items[n]); err != nil {
			return nil, err
		}
		if first, dup := seen[items[n].ID]; dup {
			return nil, recd.Invalid(prefix(n)+"id", fmt.Sprintf("repeats the id of items[%d]", first))
		}
		seen[items[n].ID] = n
	}
	// Held from the store write until the items are indexed, so that an index snapshot never
	// records a vector-log sequence whose vectors it lacks.
	s.writeMu.RLock()
	if err := s.prepareSpaces(ctx, items, prefix); err != nil {
		s.writeMu.RUnlock()
		return nil, err
	}
	if err := s.st.PutItems(ctx, items); err != nil {
		s.writeMu.RUnlock()
		s.storeFailed(err)
		return nil, fmt.Errorf("store items: %w", err)
	}
	replaced := false
	s.mu.Lock()
	for n := range items {
		_, had := s.catalog[items[n].ID]
		replaced = replaced || had
		s.catalog[items[n].ID] = metaOf(&items[n])
	}
	s.mu.Unlock()
	s.Metrics.ItemsWritten.Add(float64(len(items)))
	s.cache.catalogChanged()
	s.shareCatalog(ctx, batchID(items), replaced)
	s.sources.CatalogChanged()
	return func() error {
		defer s.writeMu.RUnlock()
		defer s.contentChanged()
		return s.indexItems(ctx, items, true)
	}, nil
}

// contentChanged tells the serving pipeline that items' content vectors were written or
// deleted, so that its copy of them is read again.
func (s *Service) contentChanged() {
	if sv := s.snap.Load(); sv != nil {
		sv.pipeline.ContentChanged()
	}
}

// GetItem returns an item from the store.
func (s *Service) GetItem(ctx context.Context, id string) (recd.Item, error) {
	return s.st.GetItem(ctx, id)
}

// ListItems pages through the catalog.
func (s *Service) ListItems(ctx context.Context, cursor string, limit int) ([]recd.Item, string, error) {
	return s.st.ListItems(ctx, cursor, limit)
}

// DeleteItem deletes an item; it is no longer recommended from the next request on.
func (s *Service) DeleteItem(ctx context.Context, id string) error {
	s.writeMu.RLock()
	defer s.writeMu.RUnlock()
	if err := s.st.DeleteItem(ctx, id); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.catalog, id)
	s.mu.Unlock()
	s.cache.catalogChanged()
	s.shareCatalog(ctx, id, true)
	s.sources.CatalogChanged()
	s.dirty.Store(true)
	defer s.contentChanged()
	return s.idx.Delete(ctx, []string{id})
}

// PutUser validates and stores a user.
func (s *Service) PutUser(ctx context.Context, u recd.User) error {
	if err := s.opts.Limits.validID("id", u.ID); err != nil {
		return err
	}
	if err := s.opts.Limits.validAttrs("attributes", u.Attributes); err != nil {
		return err
	}
	return s.st.PutUser(ctx, u)
}

// GetUser returns a user from the store.
func (s *Service) GetUser(ctx context.Context, id string) (recd.User, error) {
	return s.st.GetUser(ctx, id)
}

// DeleteUser deletes a user and their events, and forgets their live history.
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	if err := s.st.DeleteUser(ctx, id); err != nil {
		return err
	}
	s.mu.Lock()
	s.forget(id)
	s.mu.Unlock()
	s.sessions.Forget(id)
	s.shareForget(ctx, id)
	s.sources.Forget(id)
	return nil
}

// UserEvents pages through a user's events, newest first.
func (s *Service) UserEvents(ctx context.Context, id, cursor string, limit int) ([]recd.Event, string, error) {
	return s.st.UserEvents(ctx, id, cursor, limit)
}

// AddEvents validates a batch of events, stores it durably (all or nothing; concurrent
// batches share one transaction, see groupCommit) and applies it to the live state, so the
// very next request sees it. An event naming an unknown item is
// rejected with ErrUnprocessable unless AutoCreateItems is on.
func (s *Service) AddEvents(ctx context.Context, events []recd.Event) ([]recd.Event, error) {
	if len(events) == 0 {
		return nil, recd.Invalid("events", "the batch is empty")
	}
	if len(events) > s.opts.Limits.MaxBatch {
		return nil, recd.Invalid("events", fmt.Sprintf("a batch holds at most %d events", s.opts.Limits.MaxBatch))
	}
	now := time.Now().UTC()
	times := TimeBounds{Min: s.opts.MinTimestamp, MaxFutureSkew: s.opts.MaxFutureSkew}
	for n := range events {
		e := &events[n]
		if err := s.opts.Limits.ValidateEvent(fmt.Sprintf("[%d].", n), e, times, now); err != nil {
			return nil, err
		}
		if e.Timestamp.IsZero() {
			e.Timestamp = now
		}
		e.Timestamp = e.Timestamp.UTC()
	}
	var missing []recd.Item
	s.mu.RLock()
	for n := range events {
		if _, ok := s.catalog[events[n].ItemID]; !ok {
			if !s.opts.AutoCreateItems {
				s.mu.RUnlock()
				return nil, recd.Unprocessable(fmt.Sprintf("[%d].item_id", n),
					fmt.Sprintf("item %q is not in the catalog (create it first, or turn on auto_create_items)", events[n].ItemID))
			}
			missing = append(missing, recd.Item{ID: events[n].ItemID, Available: true})
		}
	}
	s.mu.RUnlock()
	if len(missing) > 0 {
		if err := s.PutItems(ctx, dedupItems(missing)); err != nil {
			return nil, err
		}
	}
	stored, err := s.commits.add(ctx, s.st, events)
	if err != nil {
		s.storeFailed(err)
		return nil, fmt.Errorf("store events: %w", err)
	}
	s.mu.Lock()
	for n := range stored {
		s.observe(&stored[n])
	}
	s.mu.Unlock()
	for _, e := range stored {
		if s.opts.Weights.Of(e) <= 0 {
			continue // a dislike is not something to show more of
		}
		_ = s.sessions.Record(e.UserID, e.ItemID, e.Type, e.Timestamp)
		if e.SessionID != "" {
			_ = s.sessions.Record("session:"+e.SessionID, e.ItemID, e.Type, e.Timestamp)
		}
	}
	s.shareEvents(ctx, stored)
	s.Metrics.EventsWritten.Add(float64(len(stored)))
	return stored, nil
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
