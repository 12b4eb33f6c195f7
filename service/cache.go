package service

import (
	"crypto/sha256"
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
	// body is the response encoded (cache_codec.go): one pointer-free object per entry.
	// Decoded, a response of ten items is some thirty strings and slices, which the collector
	// marks in every cycle: at 20M events a minute's responses made the concurrent mark
	// phases, the serving tail, two thirds longer.
	body    []byte
	at      time.Time
	catalog uint64
	version string // model version
	gen     int64  // Seq of the user's newest event
}

func newRespCache(size int, ttl time.Duration) *respCache {
	if size <= 0 || ttl <= 0 {
		return nil
	}
	l, _ := lru.NewLRU[string, cacheEntry](size, nil)
	return &respCache{lru: l, ttl: ttl}
}

// key identifies a request's user and shape; "" means the request must not be cached. The
// model version and the user's generation are checked on get rather than being part of the
// key, so a user's new response replaces the old one instead of leaving it to age out of
// the LRU: the cache holds at most one entry per user and shape.
func cacheKey(req *RecommendRequest) string {
	if req.UserID == "" || req.SessionID != "" || len(req.ContextItems) > 0 || req.ExposureStrength != nil {
		return ""
	}
	f := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	// The user id (bounded by limits.max_id_length) leads, so forgetUser finds a user's
	// entries; the request's shape is hashed to a fixed size, since its lists would otherwise
	// be kept in every entry.
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s|%s|%s|%s\x00%q%q%q%v%v\x00%v\x00%v%q", req.N, f(req.Diversity),
		f(req.Calibration), f(req.LongTailShare), f(req.SessionWeight), req.Rules.Exclude, req.Rules.Categories,
		req.Rules.ExcludeCategories, req.Rules.Filters, req.Rules.Boosts, req.Weights, req.blendOnly, req.modelVersion)
	return req.UserID + "\x00" + string(h.Sum(nil))
}

// get returns the response cached for key when it was computed by model version for the
// user's generation gen (the Seq of their newest event).
func (c *respCache) get(key, version string, gen int64) (rank.Response, bool) {
	if c == nil || key == "" {
		return rank.Response{}, false
	}
	c.mu.Lock()
	e, ok := c.lru.Get(key)
	c.mu.Unlock()
	if ok && e.gen == gen && e.version == version && e.catalog == c.catalog.Load() && time.Since(e.at) <= c.ttl {
		if resp, err := decodeResponse(e.body); err == nil {
			c.hits.Add(1)
			return resp, true
		}
	}
	c.misses.Add(1)
	return rank.Response{}, false
}

// put caches resp for key, replacing the key's older entry. catalog is the catalog
// generation read before the response was computed, so a concurrent item write keeps it out.
// A response with feature rows (a logged request's, never cached) is not cached: the
// encoding leaves them out.
func (c *respCache) put(key, version string, gen int64, catalog uint64, resp rank.Response) {
	if c == nil || key == "" || resp.Features != nil {
		return
	}
	body := encodeResponse(nil, &resp)
	c.mu.Lock()
	c.lru.Add(key, cacheEntry{body: body, at: time.Now(), catalog: catalog, version: version, gen: gen})
	c.mu.Unlock()
}

// generation returns the catalog generation to pass to put.
func (c *respCache) generation() uint64 {
	if c == nil {
		return 0
	}
	return c.catalog.Load()
}

// forgetUser drops every entry of a user (a deleted one) and reports whether there was any.
// It walks the whole cache: deletes are rare.
func (c *respCache) forgetUser(user string) bool {
	if c == nil {
		return false
	}
	prefix := user + "\x00"
	c.mu.Lock()
	defer c.mu.Unlock()
	held := false
	for _, k := range c.lru.Keys() {
		if strings.HasPrefix(k, prefix) {
			held = c.lru.Remove(k) || held
		}
	}
	return held
}

// catalogChanged invalidates every entry at once.
func (c *respCache) catalogChanged() {
	if c != nil {
		c.catalog.Add(1)
	}
}
