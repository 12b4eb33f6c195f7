package rank

import (
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"
)

// SourceCacheOptions bound a SourceCache.
type SourceCacheOptions struct {
	// Size is how many keys (users) are kept, least recently used dropped first; 0 turns
	// the cache off.
	Size int
	// MaxAge is how long an entry serves before its sources are computed again.
	MaxAge time.Duration
	// MaxNewItems is how many liked items a history gains after an entry was computed
	// before the entry is computed again (a history that loses one recomputes at once); 0 or
	// 1 recomputes on every new liked item.
	MaxNewItems int
}

// DefaultSourceCacheOptions returns 2,000 users, 30 seconds and 5 new liked items.
func DefaultSourceCacheOptions() SourceCacheOptions {
	return SourceCacheOptions{Size: 2000, MaxAge: 30 * time.Second, MaxNewItems: 5}
}

// SourceCache keeps, per user, the model-dependent candidate sources of the user's last
// full recommendation (EASE, CF, content profile search, popularity): the ones that score
// the whole catalog or search the index, which cost most of a request. A request that
// names the user's key reuses them while the model version, the source depth and the
// strategy are unchanged, the entry is younger than MaxAge and the history gained fewer
// than MaxNewItems liked items; the cheap event-dependent parts (item-kNN from the whole
// current history, exclusion of everything the user has seen, the session boost, the
// re-rank stages) are computed fresh on every request, so an event still changes the very
// next response. Safe for concurrent use; the cached lists are never modified.
type SourceCache struct {
	opts SourceCacheOptions
	mu   sync.Mutex
	lru  *lru.LRU[string, *sourceEntry]
}

type sourceEntry struct {
	version  string
	k        int
	strategy string
	npos     int // liked items of the history the lists were computed from
	at       time.Time
	lists    []SourceList
}

// NewSourceCache returns a cache bounded by opts; nil when opts.Size is 0 (a nil cache is
// valid and caches nothing).
func NewSourceCache(opts SourceCacheOptions) *SourceCache {
	if opts.Size <= 0 {
		return nil
	}
	l, _ := lru.NewLRU[string, *sourceEntry](opts.Size, nil)
	return &SourceCache{opts: opts, lru: l}
}

// Len returns the number of cached keys.
func (c *SourceCache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Forget drops a key's entry (a deleted user).
func (c *SourceCache) Forget(key string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.lru.Remove(key)
	c.mu.Unlock()
}

// get returns the lists cached for key when they still serve a request of the given
// version, depth, strategy and number of liked items.
func (c *SourceCache) get(key, version string, k int, strategy string, npos int, now time.Time) ([]SourceList, bool) {
	if c == nil || key == "" {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.lru.Get(key)
	c.mu.Unlock()
	if !ok || e.version != version || e.k != k || e.strategy != strategy || now.Sub(e.at) > c.opts.MaxAge {
		return nil, false
	}
	if d := npos - e.npos; d < 0 || d >= max(c.opts.MaxNewItems, 1) {
		return nil, false
	}
	return e.lists, true
}

func (c *SourceCache) put(key, version string, k int, strategy string, npos int, now time.Time, lists []SourceList) {
	if c == nil || key == "" {
		return
	}
	e := &sourceEntry{version: version, k: k, strategy: strategy, npos: npos, at: now, lists: lists}
	c.mu.Lock()
	c.lru.Add(key, e)
	c.mu.Unlock()
}
