package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// memState is the live state in process: the single-node default, and under redisState the
// part every replica keeps for itself. mu guards the histories (with their trending counter
// and applied-event tracker), catMu the catalog, so that a request's catalog reads (one per
// candidate) never queue behind an event write waiting for mu; where both are held, mu is
// taken first. The sessions, the exposure counter and the two caches lock themselves. Safe for
// concurrent use.
type memState struct {
	mu    sync.RWMutex
	users *histories

	catMu   sync.RWMutex
	catalog map[string]*rank.ItemMeta

	sessions *rank.Sessions
	exposure *rank.Exposure
	cache    *respCache
	sources  *rank.SourceCache
	weights  model.Weights
}

var _ liveState = (*memState)(nil)

func newMemState(opts *Options) (*memState, error) {
	sessions, err := rank.NewSessions(opts.Sessions)
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	exposure, err := rank.NewExposure(opts.Exposure)
	if err != nil {
		return nil, fmt.Errorf("exposure: %w", err)
	}
	return &memState{catalog: map[string]*rank.ItemMeta{}, users: newHistories(opts.Weights, opts.TrendingHalfLife),
		sessions: sessions, exposure: exposure, cache: newRespCache(opts.CacheSize, opts.CacheTTL),
		sources: rank.NewSourceCache(opts.Sources), weights: opts.Weights}, nil
}

// load reads the catalog and the event history from the store, and marks every event up to
// the newest applied. The follower's positions are taken before it, so that what is written
// meanwhile is applied (once) by the follower's first pass.
func (m *memState) load(ctx context.Context, st store.Store) error {
	_, err := m.loadFrom(ctx, st, nil)
	return err
}

// loadFrom is load starting from histories decoded from a snapshot (nil: from nothing): it
// reads the catalog, then applies the events stored after the snapshot's applied floor that
// the snapshot has not applied, and returns how many.
func (m *memState) loadFrom(ctx context.Context, st store.Store, h *histories) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.loadCatalog(ctx, st); err != nil {
		return 0, err
	}
	if h != nil {
		m.users = h
	}
	n := 0
	m.users.beginLoad()
	err := st.ScanEvents(ctx, m.users.applied.floor, func(e recd.Event) error {
		if m.users.applied.has(e.Seq) {
			return nil
		}
		m.users.observe(&e)
		n++
		return nil
	})
	m.users.endLoad()
	if err != nil {
		return 0, fmt.Errorf("load events: %w", err)
	}
	m.users.applied.settle(m.users.lastSeq)
	return n, nil
}

// loadCatalog reads the catalog from the store; it is all that a process that only trains
// loads (Options.TrainOnly), since training reads the events itself.
func (m *memState) loadCatalog(ctx context.Context, st store.Store) error {
	m.catMu.Lock()
	defer m.catMu.Unlock()
	if err := st.ScanItems(ctx, func(it recd.Item) error {
		m.catalog[it.ID] = metaOf(&it)
		return nil
	}); err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	return nil
}

func metaOf(it *recd.Item) *rank.ItemMeta {
	return &rank.ItemMeta{Title: it.Title, Categories: it.Categories, Tags: it.Tags, Available: it.Available, Attributes: it.Attributes}
}

// Item implements rank.Catalog over the live catalog.
func (m *memState) Item(id string) (rank.ItemMeta, bool) {
	m.catMu.RLock()
	it, ok := m.catalog[id]
	m.catMu.RUnlock()
	if !ok {
		return rank.ItemMeta{}, false
	}
	return *it, true
}

// Items implements rank.ItemsCatalog: Item for each of ids, under one read lock.
func (m *memState) Items(ids []string, out []rank.ItemMeta, ok []bool) {
	m.catMu.RLock()
	defer m.catMu.RUnlock()
	for k, id := range ids {
		if it, found := m.catalog[id]; found {
			out[k], ok[k] = *it, true
		} else {
			out[k], ok[k] = rank.ItemMeta{}, false
		}
	}
}

// shareIDs replaces each of ids (a model's item ids, none repeated) that the catalog holds by
// the catalog's key string, and does the same to the live histories' item ids: equal strings,
// one copy. A request looks its candidates and its user's items up in the catalog and the
// model's index by these ids, hundreds a request; a map finds a key whose pointer is the id's
// at once, where a copy has its bytes compared, a cache miss each at 20M events. The
// histories' table is done in steps, so that event writes wait for a step at most.
func (m *memState) shareIDs(ids []string) {
	at := make(map[string]int32, len(ids))
	for i, id := range ids {
		at[id] = int32(i)
	}
	m.catMu.RLock()
	keys := slices.Collect(maps.Keys(m.catalog))
	m.catMu.RUnlock()
	for _, id := range keys {
		if i, ok := at[id]; ok {
			ids[i] = id
		}
	}
	const step = 4096
	for lo := 0; lo < len(keys); lo += step {
		m.mu.Lock()
		t := &m.users.ids
		for _, id := range keys[lo:min(lo+step, len(keys))] {
			if n, ok := t.index[id]; ok {
				t.ids[n] = id
			}
		}
		m.mu.Unlock()
	}
}

func (m *memState) stats() Stats {
	m.catMu.RLock()
	items := len(m.catalog)
	m.catMu.RUnlock()
	m.mu.RLock()
	defer m.mu.RUnlock()
	return Stats{Items: items, Users: len(m.users.hist), Events: m.users.nEvents}
}

func (m *memState) currentSeq() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.users.lastSeq
}

func (m *memState) catalogItems() []recd.Item {
	m.catMu.RLock()
	defer m.catMu.RUnlock()
	items := make([]recd.Item, 0, len(m.catalog))
	for id, it := range m.catalog {
		items = append(items, recd.Item{ID: id, Title: it.Title, Categories: it.Categories, Tags: it.Tags,
			Attributes: it.Attributes, Available: it.Available})
	}
	return items
}

func (m *memState) putItems(_ context.Context, items []recd.Item) bool {
	replaced := false
	m.catMu.Lock()
	for n := range items {
		_, had := m.catalog[items[n].ID]
		replaced = replaced || had
		m.catalog[items[n].ID] = metaOf(&items[n])
	}
	m.catMu.Unlock()
	m.cache.catalogChanged()
	m.sources.CatalogChanged()
	return replaced
}

func (m *memState) deleteItem(_ context.Context, id string) {
	m.dropItem(id)
	m.cache.catalogChanged()
	m.sources.CatalogChanged()
}

func (m *memState) unknownItems(events []recd.Event) []int {
	var out []int
	m.catMu.RLock()
	defer m.catMu.RUnlock()
	for n := range events {
		if _, ok := m.catalog[events[n].ItemID]; !ok {
			out = append(out, n)
		}
	}
	return out
}

func (m *memState) trending(_ context.Context, n int, keep func(*rank.ItemMeta) bool) ([]string, []float64, []string) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	m.catMu.RLock()
	defer m.catMu.RUnlock()
	ids, scores := m.users.trending.Top(n, func(id string) bool { return keep(m.catalog[id]) })
	titles := make([]string, len(ids))
	for i, id := range ids {
		titles[i] = m.catalog[id].Title
	}
	return ids, scores, titles
}

func (m *memState) shareImpressions([]recd.Recommendation)            {}
func (m *memState) shareRemovals(context.Context, map[string]float64) {}
func (m *memState) exposureCounter() *rank.Exposure                   { return m.exposure }
func (m *memState) responses() *respCache                             { return m.cache }
func (m *memState) sourceCache() *rank.SourceCache                    { return m.sources }
func (m *memState) err() error                                        { return nil }
func (m *memState) ping(context.Context) error                        { return nil }
func (m *memState) origin() string                                    { return "" }
func (m *memState) run(context.Context, sharedHooks)                  {}
