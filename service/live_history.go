package service

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
)

// histories are the users' live interaction histories, the trending counter they feed and
// the tracker of which event sequence numbers are applied. Item ids are interned (ids), and
// each history is a compact sorted slice (see live_history_compact.go). Not safe for
// concurrent use: memState.mu guards it. Recent actions live in memState.sessions.
type histories struct {
	hist     map[string]*history
	ids      itemIDs
	trending *model.Trending
	applied  *seqTracker
	weights  model.Weights
	lastSeq  int64
	nEvents  int
	// loading is set during a bulk load (see beginLoad): events are appended unsorted, one
	// entry each, and endLoad sorts and merges them.
	loading bool
}

// history is one user's live interaction history: the summed weight per item, and what the
// user's deletion must take back out of the shared structures.
type history struct {
	ents []histEntry // one per item, sorted by item id
	n    int         // events observed
	seq  int64       // Seq of the newest event: the generation cached responses are keyed by
	// sessions are the anonymous sessions the user's events named (at most maxUserSessions),
	// whose recent actions go with the user.
	sessions sessionIDs
}

// maxUserSessions bounds the anonymous sessions a history remembers; sessions expire with
// their TTL, so an older one has normally expired before it would matter.
const maxUserSessions = 64

func newHistories(w model.Weights, halfLife time.Duration) *histories {
	return &histories{hist: map[string]*history{}, ids: newItemIDs(), trending: model.NewTrending(halfLife),
		applied: newSeqTracker(), weights: w}
}

// observe applies an event to the live state once.
func (h *histories) observe(e *recd.Event) {
	if !h.applied.add(e.Seq) {
		return // applied already: by this replica's write or an earlier pass of the follower
	}
	h.apply(e)
}

// observeBatch is observe for each event of a batch. A history of minCompact items or more
// takes the batch's new items appended, and merged into item id order once at the end of the
// batch (mergeTail), instead of each inserted in place, a memmove of every entry after it: a
// heavy user's history (100k items gaining thousands in an import's batch) made that
// quadratic. Nothing reads the histories in between: the caller holds memState.mu.
// A batch smaller than minCompact events goes event by event: it brings too few new items to
// any history to pay for the merge.
func (h *histories) observeBatch(events []recd.Event) { h.batch(events, true) }

// applyBatch is observeBatch without checking whether the events were applied.
func (h *histories) applyBatch(events []recd.Event) { h.batch(events, false) }

func (h *histories) batch(events []recd.Event, once bool) {
	var tails batchTails
	in := &tails
	if len(events) < minCompact {
		in = nil
	}
	for n := range events {
		if !once || h.applied.add(events[n].Seq) {
			h.applyIn(&events[n], in)
		}
	}
	for u, head := range tails {
		u.mergeTail(&h.ids, head)
	}
}

// batchTails holds, for each history that takes appended entries during a batch, the length
// of its sorted head.
type batchTails map[*history]int

// batchEntry returns u's entry for item id during a batch (see observeBatch).
func (h *histories) batchEntry(u *history, id string, empty histEntry, tails *batchTails) *histEntry {
	head, inBatch := (*tails)[u]
	if !inBatch {
		if len(u.ents) < minCompact {
			return u.entry(&h.ids, id, empty)
		}
		if i, ok := u.find(&h.ids, id); ok {
			return &u.ents[i]
		}
		if *tails == nil {
			*tails = batchTails{}
		}
		head = len(u.ents)
		(*tails)[u] = head
	} else if i, ok := u.findIn(&h.ids, id, head); ok {
		return &u.ents[i]
	}
	empty.item = h.ids.intern(id)
	u.ents = append(u.ents, empty)
	return &u.ents[len(u.ents)-1]
}

// apply adds an event to the live state without checking whether it was applied.
func (h *histories) apply(e *recd.Event) { h.applyIn(e, nil) }

// applyIn is apply, within a batch when tails is not nil (see observeBatch).
func (h *histories) applyIn(e *recd.Event, tails *batchTails) {
	u := h.hist[e.UserID]
	if u == nil {
		u = &history{}
		h.hist[strings.Clone(e.UserID)] = u
	}
	w := h.weights.Of(*e)
	empty := histEntry{lastSec: zeroSec, mass: math.Inf(-1)}
	var he *histEntry
	if h.loading {
		if n := len(u.ents); n >= minCompact && n == cap(u.ents) {
			// Before the slice grows: one entry per event would outgrow the history. Room
			// for as many again keeps the merges to one per doubling of the events.
			u.merge(nil)
			u.ents = slices.Grow(u.ents, len(u.ents))
		}
		empty.item = h.ids.intern(e.ItemID)
		u.ents = append(u.ents, empty)
		he = &u.ents[len(u.ents)-1]
	} else if tails != nil {
		he = h.batchEntry(u, e.ItemID, empty, tails)
	} else {
		he = u.entry(&h.ids, e.ItemID, empty)
	}
	he.w += w
	he.mass = model.LogAddExp(he.mass, h.trending.Contribution(w, e.Timestamp))
	if he.newer(e.Timestamp) {
		he.setLast(e.Timestamp)
	}
	h.trending.Add(h.ids.ids[he.item], w, e.Timestamp) // the interned id: no copy kept per event
	if e.Seq > h.lastSeq {
		h.lastSeq = e.Seq
	}
	if sid := e.SessionID; sid != "" && u.sessions.len() < maxUserSessions && !u.sessions.contains(sid) {
		u.sessions = u.sessions.add(sid)
	}
	u.n++
	if e.Seq > u.seq {
		u.seq = e.Seq
	}
	h.nEvents++
}

// forget drops a user's history with what it added to the trending counter, and returns it
// (nil when there was none). The applied-event tracker keeps sequence numbers only, nothing
// about the user.
func (h *histories) forget(userID string) *history {
	u := h.hist[userID]
	if u == nil {
		return nil
	}
	for i := range u.ents {
		h.trending.Remove(h.ids.ids[u.ents[i].item], u.ents[i].mass)
	}
	h.nEvents -= u.n
	delete(h.hist, userID)
	return u
}

// minCompact is the size from which a bulk load merges a user's appended entries before
// their slice grows, so that a load holds at most about four times the entries the
// histories end with, however many events each (user, item) pair has.
const minCompact = 64

// beginLoad starts a bulk load: until endLoad, apply appends one entry per event, unsorted,
// which spares a restart the binary search and the insertion (a memmove of the user's
// entries) of every event. Nothing may read the histories in between (memState.load holds
// mu throughout).
func (h *histories) beginLoad() { h.loading = true }

// endLoad ends a bulk load: it sorts every history by item id, merges the entries of one
// item in event order (so sums are those apply would have made) and gives back spare
// capacity.
func (h *histories) endLoad() {
	h.loading = false
	rank := h.ids.order()
	for _, u := range h.hist {
		u.merge(rank)
		u.trim()
	}
}

// History returns a copy of a user's aggregated history (nil for an unknown user), in item id
// order: the pipeline sums over the history (fold-in, EASE, the calibration target), and a
// fixed order makes those sums, and so the ranking, the same on every call. The history is
// kept in that order, so this is one copy, no sort.
func (m *memState) History(userID string) []rank.Interaction {
	m.mu.RLock()
	defer m.mu.RUnlock()
	h := m.users.hist[userID]
	if h == nil {
		return nil
	}
	return h.interactions(&m.users.ids)
}

// userGen is the Seq of a user's newest event (0 for a user without history).
func (m *memState) userGen(userID string) int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if h := m.users.hist[userID]; h != nil {
		return h.seq
	}
	return 0
}

func (m *memState) addEvents(_ context.Context, stored []recd.Event) {
	m.mu.Lock()
	m.users.observeBatch(stored)
	m.mu.Unlock()
	for n := range stored {
		m.recordSession(&stored[n])
	}
}

// recordSession adds an event to its user's and session's recent actions; a dislike is not
// something to show more of.
func (m *memState) recordSession(e *recd.Event) {
	if m.weights.Of(*e) <= 0 {
		return
	}
	_ = m.sessions.Record(e.UserID, e.ItemID, e.Type, e.Timestamp)
	if e.SessionID != "" {
		_ = m.sessions.Record("session:"+e.SessionID, e.ItemID, e.Type, e.Timestamp)
	}
}

// forgetUser erases a user from the process: their history with its trending counts, their
// recent actions and those of the anonymous sessions their events named, their cached
// candidate sources and responses.
func (m *memState) forgetUser(_ context.Context, e *erasure) bool {
	m.mu.Lock()
	h := m.users.forget(e.user)
	m.mu.Unlock()
	held := h != nil
	if h != nil {
		e.addSessions(h.sessions.list())
	}
	held = m.sessions.Forget(e.user) || held
	for _, sid := range e.sessions() {
		m.sessions.Forget("session:" + sid)
	}
	held = m.sources.Forget(e.user) || held
	held = m.cache.forgetUser(e.user) || held
	return held
}

func (m *memState) viewUser(_ context.Context, user, session string, _ bool, n int) userView {
	v := userView{gen: m.userGen(user), cacheable: true}
	if user != "" {
		v.user = m.sessions.Recent(user, n)
	}
	if session != "" {
		v.session = m.sessions.Recent("session:"+session, n)
	}
	return v
}
