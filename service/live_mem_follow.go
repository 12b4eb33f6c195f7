package service

import (
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// This file is memState's side of the replica follower (followedState).

func (m *memState) appliedState() (int64, int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.users.applied.floor, m.users.applied.pending()
}

// applyFollowed applies the event and records it in the user's and session's recent actions:
// without Redis, sessions are per process, so each replica records what it follows.
func (m *memState) applyFollowed(e *recd.Event) (bool, bool) {
	applied, stale := m.observeFollowed(e)
	if applied {
		m.recordSession(e)
	}
	return applied, stale
}

// observeFollowed applies the event to the histories unless it was applied already.
func (m *memState) observeFollowed(e *recd.Event) (applied, stale bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.users.applied.has(e.Seq) {
		return false, false
	}
	// The user's cached answers are keyed by their newest Seq, which stays.
	h := m.users.hist[e.UserID]
	stale = h != nil && e.Seq < h.seq
	m.users.observe(e)
	return true, stale
}

func (m *memState) advanceApplied(grace time.Duration) {
	m.mu.Lock()
	m.users.applied.advance(time.Now(), grace)
	m.mu.Unlock()
}

func (m *memState) setItems(items []recd.Item) {
	m.catMu.Lock()
	for n := range items {
		m.catalog[items[n].ID] = metaOf(&items[n])
	}
	m.catMu.Unlock()
}

func (m *memState) dropItem(id string) {
	m.catMu.Lock()
	delete(m.catalog, id)
	m.catMu.Unlock()
}

func (m *memState) sameItem(id string, meta *rank.ItemMeta) bool {
	m.catMu.RLock()
	defer m.catMu.RUnlock()
	old := m.catalog[id]
	return old != nil && sameMeta(old, meta)
}

// reapply applies a just-erased user's stored events again, whether or not they were applied
// before the erasure, and marks them applied; the user's gate keeps their other writes out
// meanwhile.
func (m *memState) reapply(events []recd.Event) {
	m.mu.Lock()
	for n := range events {
		m.users.applied.add(events[n].Seq)
	}
	m.users.applyBatch(events)
	m.mu.Unlock()
	for n := range events {
		m.recordSession(&events[n])
	}
}
