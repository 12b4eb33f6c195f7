package service

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/recd/recd/rank"
)

// respCache keeps recent recommendation responses per user and request shape, so a repeated
// request is answered without running the pipeline. An entry is valid while the user has no
// new event, the catalog has not changed, the same model version serves, and it is younger
// than the TTL (the session boost and exposure counters move with time). Safe for
// concurrent use.
type respCache struct {
	mu      sync.Mutex
	lru     *lru.LRU[string, cacheEntry]
	ttl     time.Duration
	catalog atomic.Uint64 // bumped on every item write or delete
	hits    atomic.Uint64
	misses  atomic.Uint64
}

type cacheEntry struct {
	resp    rank.Response
	at      time.Time
	catalog uint64
}

func newRespCache(size int, ttl time.Duration) *respCache {
	if size <= 0 || ttl <= 0 {
		return nil
	}
	l, _ := lru.NewLRU[string, cacheEntry](size, nil)
	return &respCache{lru: l, ttl: ttl}
}

// key identifies a request; "" means the request must not be cached. gen is the sequence of
// the user's newest event, so any new event makes older entries unreachable.
func cacheKey(req *RecommendRequest, version string, gen int64) string {
	if req.UserID == "" || req.SessionID != "" || len(req.ContextItems) > 0 || req.ExposureStrength != nil {
		return ""
	}
	f := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%d\x00%s\x00%d\x00%s|%s|%s|%s\x00%q%q%q%v%v", req.UserID, gen, version, req.N, f(req.Diversity),
		f(req.Calibration), f(req.LongTailShare), f(req.SessionWeight), req.Rules.Exclude, req.Rules.Categories,
		req.Rules.ExcludeCategories, req.Rules.Filters, req.Rules.Boosts)
	return b.String()
}

func (c *respCache) get(key string) (rank.Response, bool) {
	if c == nil || key == "" {
		return rank.Response{}, false
	}
	c.mu.Lock()
	e, ok := c.lru.Get(key)
	c.mu.Unlock()
	if !ok || e.catalog != c.catalog.Load() || time.Since(e.at) > c.ttl {
		c.misses.Add(1)
		return rank.Response{}, false
	}
	c.hits.Add(1)
	return e.resp, true
}

func (c *respCache) put(key string, resp rank.Response) {
	if c == nil || key == "" {
		return
	}
	c.mu.Lock()
	c.lru.Add(key, cacheEntry{resp: resp, at: time.Now(), catalog: c.catalog.Load()})
	c.mu.Unlock()
}

// catalogChanged invalidates every entry at once.
func (c *respCache) catalogChanged() {
	if c != nil {
		c.catalog.Add(1)
	}
}
