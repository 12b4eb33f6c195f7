package service

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// Bounds of the rotation counts.
const (
	maxRotationUsers = 20000
	maxRotationItems = 200
)

// rotationCounts feed the rotation stage: per user, how often this replica showed each item
// to them in lists served with rotation on, without an interaction with the item since, as a
// count that halves every half-life (decayed). It is bounded: the maxRotationUsers most
// recently served users, and per user the maxRotationItems most recently shown items (once a
// user holds more, the least recently shown are dropped down to three quarters of it). An
// interaction resets the item's count: at once on the replica that takes the event
// (interacted), and on any replica when the user's history shows an interaction at or after
// the item's last exposure. Counts are not shared between replicas. mu guards users. Safe for
// concurrent use; a nil rotationCounts counts nothing.
type rotationCounts struct {
	halfLife float64 // nanoseconds

	mu    sync.Mutex
	users *lru.LRU[string, map[string]decayed]
}

func newRotationCounts(halfLife time.Duration) *rotationCounts {
	if halfLife <= 0 {
		halfLife = rank.DefaultOptions().RotationHalfLife
	}
	users, _ := lru.NewLRU[string, map[string]decayed](maxRotationUsers, nil)
	return &rotationCounts{halfLife: float64(halfLife), users: users}
}

// at is d's count at now.
func (c *rotationCounts) at(d decayed, now int64) float64 {
	if now <= d.t {
		return d.v
	}
	return d.v * math.Exp2(-float64(now-d.t)/c.halfLife)
}

// lastInteractions maps the history's items to their newest interaction (unix nanoseconds).
func lastInteractions(h []rank.Interaction) map[string]int64 {
	out := make(map[string]int64, len(h))
	for _, x := range h {
		out[x.ItemID] = x.Last.UnixNano()
	}
	return out
}

// interactedSince reports whether the history holds an interaction with id at or after t.
func interactedSince(last map[string]int64, id string, t int64) bool {
	at, ok := last[id]
	return ok && at >= t
}

// shown returns the user's items with a decayed count above 1 (those rotation demotes) and no
// interaction in the history h since their last exposure; nil when there are none.
func (c *rotationCounts) shown(user string, h []rank.Interaction, now time.Time) map[string]float64 {
	if c == nil || user == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.users.Peek(user)
	if !ok || len(m) == 0 {
		return nil
	}
	last, t := lastInteractions(h), now.UnixNano()
	var out map[string]float64
	for id, d := range m {
		if interactedSince(last, id, d.t) {
			delete(m, id)
			continue
		}
		if v := c.at(d, t); v > 1 {
			if out == nil {
				out = make(map[string]float64)
			}
			out[id] = v
		}
	}
	return out
}

// record counts one exposure of each item served to user; an item interacted with (in h)
// since its last exposure starts again from this one.
func (c *rotationCounts) record(user string, items []recd.Recommendation, h []rank.Interaction, now time.Time) {
	if c == nil || user == "" || len(items) == 0 {
		return
	}
	last, t := lastInteractions(h), now.UnixNano()
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.users.Get(user)
	if !ok {
		m = make(map[string]decayed, len(items))
		c.users.Add(user, m)
	}
	for _, it := range items {
		d := m[it.ID]
		if interactedSince(last, it.ID, d.t) {
			d = decayed{}
		}
		m[it.ID] = decayed{v: c.at(d, t) + 1, t: t}
	}
	if len(m) > maxRotationItems {
		dropOldest(m, len(m)-maxRotationItems*3/4)
	}
}

// dropOldest deletes the k least recently shown items of m.
func dropOldest(m map[string]decayed, k int) {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(m[a].t, m[b].t) })
	for _, id := range ids[:k] {
		delete(m, id)
	}
}

// interacted resets the counts of the items the events' users acted on.
func (c *rotationCounts) interacted(events []recd.Event) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range events {
		if m, ok := c.users.Peek(events[i].UserID); ok {
			delete(m, events[i].ItemID)
		}
	}
}

// count is item's decayed count for user now (0 when none), for tests.
func (c *rotationCounts) count(user, item string, now time.Time) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, _ := c.users.Peek(user)
	d, ok := m[item]
	if !ok {
		return 0
	}
	return c.at(d, now.UnixNano())
}

// forgetUser drops the user's counts.
func (c *rotationCounts) forgetUser(_ context.Context, e *erasure) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.users.Remove(e.user)
}

// countShown counts a list the service assembled from rankings it computed uncounted (an
// interleaved request's merge) as the pipeline counts a list it computes and sends: one
// exposure of each item shown, shared with the other replicas and noted in the user's ledger,
// and, when req rotates, one rotation exposure for the user.
func (s *reader) countShown(req *RecommendRequest, items []recd.Recommendation) {
	p, err := s.pipeline()
	if err != nil || len(items) == 0 {
		return
	}
	if p.Exposure != nil {
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		p.Exposure.Record(ids)
		s.shareImpressions(req.UserID, p, &rank.Response{Items: items})
	}
	if req.UserID != "" && pickKnob(req.Rotation, p.Opts.Rotation) > 0 {
		s.rot.record(req.UserID, items, s.live.History(req.UserID), time.Now())
	}
}
