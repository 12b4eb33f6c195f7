package rank

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/recd/recd"
)

// Session boost defaults: the last 5 actions, weight 0.3.
const (
	DefaultSessionN      = 5
	DefaultSessionWeight = 0.3
)

// Action is one recent interaction kept by Sessions.
type Action struct {
	ItemID string
	Type   string
	Time   time.Time
}

// SessionOptions bounds a Sessions store.
type SessionOptions struct {
	// MaxKeys is the number of users and anonymous sessions kept; the least recently
	// recorded or read key is evicted first. Default 100000.
	MaxKeys int
	// MaxActions is the number of actions kept per key (the newest). Default 50.
	MaxActions int
	// TTL drops actions older than this (by their event time) from Recent, and a key
	// with no live action is forgotten. Default 30 minutes; 0 keeps actions forever.
	TTL time.Duration
	// Now is the clock TTL is measured against; nil means time.Now.
	Now func() time.Time
}

// DefaultSessionOptions returns 100000 keys of 50 actions each with a 30-minute TTL.
func DefaultSessionOptions() SessionOptions {
	return SessionOptions{MaxKeys: 100000, MaxActions: 50, TTL: 30 * time.Minute}
}

// Validate reports a bad option as a recd.ErrInvalid field error.
func (o SessionOptions) Validate() error {
	if o.MaxKeys <= 0 {
		return recd.Invalid("session.max_keys", "must be > 0")
	}
	if o.MaxActions <= 0 {
		return recd.Invalid("session.max_actions", "must be > 0")
	}
	if o.TTL < 0 {
		return recd.Invalid("session.ttl", "must be >= 0")
	}
	return nil
}

// Sessions keeps the recent actions of each user and anonymous session id in memory,
// bounded in keys (LRU) and actions per key, with a TTL. It is safe for concurrent use;
// one mutex guards the whole store (operations are O(MaxActions)).
type Sessions struct {
	opt  SessionOptions
	mu   sync.Mutex
	keys *simplelru.LRU[string, []Action] // actions oldest first
}

// NewSessions returns an empty store.
func NewSessions(opt SessionOptions) (*Sessions, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	l, err := simplelru.NewLRU[string, []Action](opt.MaxKeys, nil)
	if err != nil {
		return nil, fmt.Errorf("new sessions: %w", err)
	}
	return &Sessions{opt: opt, keys: l}, nil
}

// Record adds an action under key (a user id, or a session id for anonymous visitors;
// callers keep the two apart, e.g. with "u:" and "s:" prefixes). Actions are kept in time
// order even when they arrive out of order; beyond MaxActions the oldest is dropped.
func (s *Sessions) Record(key, itemID, eventType string, t time.Time) error {
	if key == "" {
		return recd.Invalid("session.key", "empty")
	}
	if itemID == "" {
		return recd.Invalid("session.item_id", "empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acts, _ := s.keys.Get(key)
	i := len(acts)
	for i > 0 && acts[i-1].Time.After(t) {
		i--
	}
	if len(acts) >= s.opt.MaxActions {
		if i == 0 {
			return nil // older than everything kept in a full window
		}
		copy(acts, acts[1:i])
		i--
		acts[i] = Action{ItemID: itemID, Type: eventType, Time: t}
	} else {
		acts = append(acts, Action{})
		copy(acts[i+1:], acts[i:])
		acts[i] = Action{ItemID: itemID, Type: eventType, Time: t}
	}
	s.keys.Add(key, acts)
	return nil
}

// Recent returns up to n live actions of key, newest first (nil when none). The result is
// a copy the caller owns.
func (s *Sessions) Recent(key string, n int) []Action {
	if n <= 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acts, ok := s.keys.Get(key)
	if !ok {
		return nil
	}
	if s.opt.TTL > 0 {
		cut := s.opt.Now().Add(-s.opt.TTL)
		k := 0
		for k < len(acts) && acts[k].Time.Before(cut) {
			k++
		}
		if k == len(acts) {
			s.keys.Remove(key)
			return nil
		}
		if k > 0 {
			acts = append(acts[:0], acts[k:]...)
			s.keys.Add(key, acts)
		}
	}
	out := make([]Action, 0, min(n, len(acts)))
	for i := len(acts) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, acts[i])
	}
	return out
}

// Forget drops every action of key and reports whether it held any.
func (s *Sessions) Forget(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys.Remove(key)
}

// Len returns the number of keys held (some may hold only expired actions).
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys.Len()
}

// RecentItems returns the distinct item ids of actions (newest first as Recent returns
// them), skipping dislikes, at most n.
func RecentItems(actions []Action, n int) []string {
	out := make([]string, 0, min(n, len(actions)))
	for _, a := range actions {
		if len(out) >= n {
			break
		}
		if a.Type == recd.EventDislike || contains(out, a.ItemID) {
			continue
		}
		out = append(out, a.ItemID)
	}
	return out
}

// sessionReasonItems is how many recent items a session reason names at most.
const sessionReasonItems = 3

// SessionReasonMinSim is the similarity to a recent item from which a session reason names
// it; weaker resemblances still move the score but are not worth telling the user.
const SessionReasonMinSim = 0.5

// SessionBoost blends each candidate's score with its mean similarity to the recent items:
// score = (1-w)*score + w*mean(sim(item, r) for r in recent), then re-sorts by score.
// recent are the last N items (newest first; see Sessions.Recent, RecentItems and
// DefaultSessionN); w is in [0, 1] (DefaultSessionWeight). A candidate with a similarity of
// at least SessionReasonMinSim to some recent items gets a session reason naming up to
// three of them, most similar first. An empty recent or w = 0 leaves cands unchanged.
// It runs after Blend and the rules, before the exposure boost and Rerank. For an
// anonymous request, pass the context items as recent (and exclude them by the rules).
func SessionBoost(cands []Candidate, recent []string, sim Similarity, w float64) error {
	if !(w >= 0 && w <= 1) {
		return recd.Invalid("session_weight", "must be in [0, 1]")
	}
	if len(recent) == 0 || w == 0 {
		return nil
	}
	if sim == nil {
		return recd.Invalid("similarity", "missing")
	}
	sims := make([]float64, len(recent))
	for i := range cands {
		c := &cands[i]
		sum := 0.0
		named := 0
		for j, r := range recent {
			s := sim(c.ID, r)
			if math.IsNaN(s) {
				s = 0
			}
			sims[j] = s
			sum += s
			if s >= SessionReasonMinSim {
				named++
			}
		}
		c.Score = (1-w)*c.Score + w*sum/float64(len(recent))
		if named == 0 {
			continue
		}
		items := make([]string, 0, min(named, sessionReasonItems))
		for len(items) < cap(items) {
			best := -1
			for j, s := range sims {
				if s >= SessionReasonMinSim && (best < 0 || s > sims[best]) {
					best = j
				}
			}
			items = append(items, recent[best])
			sims[best] = math.Inf(-1)
		}
		c.Reasons = append(c.Reasons, recd.Reason{Type: ReasonSession, Source: "session", Items: items})
	}
	SortByScore(cands)
	return nil
}
