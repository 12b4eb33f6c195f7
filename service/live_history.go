package service

import (
	"context"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
	"github.com/recd/recd/rank"
)

// histories are the users' live interaction histories, the trending counter they feed and
// the tracker of which event sequence numbers are applied. Not safe for concurrent use:
// memState.mu guards it. Recent actions live in memState.sessions.
type histories struct {
	hist     map[string]*history
	trending *model.Trending
	applied  *seqTracker
	weights  model.Weights
	lastSeq  int64
	nEvents  int
}

// history is one user's live interaction history: the summed weight per item.
type history struct {
	items map[string]histEntry
	n     int   // events observed
	seq   int64 // Seq of the newest event: the generation cached responses are keyed by
}

type histEntry struct {
	w    float64
	last time.Time
}

func newHistories(w model.Weights, halfLife time.Duration) *histories {
	return &histories{hist: map[string]*history{}, trending: model.NewTrending(halfLife), applied: newSeqTracker(),
		weights: w}
}

// observe applies an event to the live state once.
func (h *histories) observe(e *recd.Event) {
	if !h.applied.add(e.Seq) {
		return // applied already: by this replica's write or an earlier pass of the follower
	}
	h.apply(e)
}

// apply adds an event to the live state without checking whether it was applied.
func (h *histories) apply(e *recd.Event) {
	u := h.hist[e.UserID]
	if u == nil {
		u = &history{items: map[string]histEntry{}}
		h.hist[e.UserID] = u
	}
	w := h.weights.Of(*e)
	he := u.items[e.ItemID]
	he.w += w
	if e.Timestamp.After(he.last) {
		he.last = e.Timestamp
	}
	u.items[e.ItemID] = he
	h.trending.Add(e.ItemID, w, e.Timestamp)
	if e.Seq > h.lastSeq {
		h.lastSeq = e.Seq
	}
	u.n++
	if e.Seq > u.seq {
		u.seq = e.Seq
	}
	h.nEvents++
}

// forget drops a user's history and reports whether there was one.
func (h *histories) forget(userID string) bool {
	u := h.hist[userID]
	if u == nil {
		return false
	}
	h.nEvents -= u.n
	delete(h.hist, userID)
	return true
}

// History returns a copy of a user's aggregated history (nil for an unknown user).
func (m *memState) History(userID string) []rank.Interaction {
	m.mu.RLock()
	defer m.mu.RUnlock()
	h := m.users.hist[userID]
	if h == nil {
		return nil
	}
	out := make([]rank.Interaction, 0, len(h.items))
	for id, he := range h.items {
		out = append(out, rank.Interaction{ItemID: id, Weight: he.w, Last: he.last})
	}
	return out
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
	for n := range stored {
		m.users.observe(&stored[n])
	}
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

func (m *memState) forgetUser(_ context.Context, id string) {
	m.mu.Lock()
	m.users.forget(id)
	m.mu.Unlock()
	m.sessions.Forget(id)
	m.sources.Forget(id)
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
