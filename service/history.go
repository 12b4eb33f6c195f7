package service

import (
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// history is one user's live interaction history: the summed weight per item. Guarded by
// Service.mu. Recent actions live in Service.sessions.
type history struct {
	items map[string]histEntry
	n     int   // events observed
	seq   int64 // Seq of the newest event: the generation cached responses are keyed by
}

type histEntry struct {
	w    float64
	last time.Time
}

// observe applies an event to the live state once. The caller holds s.mu for writing (or is New).
func (s *Service) observe(e *recd.Event) {
	if !s.follow.applied.add(e.Seq) {
		return // applied already: by this replica's write or an earlier pass of the follower
	}
	s.apply(e)
}

// apply adds an event to the live state without checking whether it was applied. The caller
// holds s.mu for writing.
func (s *Service) apply(e *recd.Event) {
	h := s.hist[e.UserID]
	if h == nil {
		h = &history{items: map[string]histEntry{}}
		s.hist[e.UserID] = h
	}
	w := s.opts.Weights.Of(*e)
	he := h.items[e.ItemID]
	he.w += w
	if e.Timestamp.After(he.last) {
		he.last = e.Timestamp
	}
	h.items[e.ItemID] = he
	s.trending.Add(e.ItemID, w, e.Timestamp)
	if e.Seq > s.lastSeq {
		s.lastSeq = e.Seq
	}
	h.n++
	if e.Seq > h.seq {
		h.seq = e.Seq
	}
	s.nEvents++
}

// History returns a copy of a user's aggregated history (nil for an unknown user).
func (s *Service) History(userID string) []rank.Interaction {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h := s.hist[userID]
	if h == nil {
		return nil
	}
	out := make([]rank.Interaction, 0, len(h.items))
	for id, he := range h.items {
		out = append(out, rank.Interaction{ItemID: id, Weight: he.w, Last: he.last})
	}
	return out
}

// forget drops a user's live state. The caller holds s.mu.
func (s *Service) forget(userID string) {
	h := s.hist[userID]
	if h == nil {
		return
	}
	s.nEvents -= h.n
	delete(s.hist, userID)
}

// userGen is the Seq of a user's newest event (0 for a user without history).
func (s *Service) userGen(userID string) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if h := s.hist[userID]; h != nil {
		return h.seq
	}
	return 0
}
