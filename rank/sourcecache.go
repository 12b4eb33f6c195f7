package rank

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
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
	// MaxBytes bounds the entries' memory (their own heap, as sourceEntry.bytes estimates
	// it), least recently used dropped first: an entry grows with the catalog (EASE's
	// scores are 4 bytes per item), so a bound in users alone is none in bytes. An entry
	// larger than MaxBytes is not kept. 0 means no byte bound.
	MaxBytes int64
}

// DefaultSourceCacheOptions returns 1,000 users, 64 MiB, 30 seconds and 5 new liked items.
func DefaultSourceCacheOptions() SourceCacheOptions {
	return SourceCacheOptions{Size: 1000, MaxBytes: 64 << 20, MaxAge: 30 * time.Second, MaxNewItems: 5}
}

// SourceCache keeps, per user, the model-dependent candidate sources of the user's earlier
// requests (EASE, popularity, CF, the content profile search): the ones that score the
// whole catalog or search the index, which cost most of a request. A request reuses them
// while they are fresh and computes them again otherwise; fresh states and applies the
// staleness rule (model version, source depth or strategy changed, catalog changed, older
// than MaxAge, MaxNewItems liked items gained or one lost). EASE, which is linear in the
// history, then updates its cached scores by the rows of the items whose weight changed
// instead of scoring the whole history again. Item-kNN from the whole current history, the
// exclusion of everything the user has seen, the session boost and the re-rank stages are
// computed on every request, so an event still changes the very next response. An entry
// holds about 40 KB of EASE scores (4 bytes per catalog item) and four lists of SourceK
// items; the cache holds at most Size of them and MaxBytes in all. mu guards lru and bytes;
// catalog is atomic. Safe for concurrent use; cached entries are never modified.
type SourceCache struct {
	opts    SourceCacheOptions
	mu      sync.Mutex
	lru     *lru.LRU[string, *sourceEntry]
	bytes   int64         // the entries' sizes summed
	catalog atomic.Uint64 // bumped by CatalogChanged
}

type sourceEntry struct {
	version  string
	k        int
	cfk      int // the CF source's depth
	strategy string
	npos     int // liked items of the history the lists were computed from
	at       time.Time
	catalog  uint64       // the catalog generation the lists were computed in
	lists    []SourceList // EASE, popularity, CF and content, as computed then
	cold     []coldItem   // the cold items of lists (see Pipeline.coldItemsOf)
	ease     *easeState   // nil: EASE off
	size     int64        // bytes(), fixed when the entry is made
}

// easeState is a user's EASE scores over the whole catalog and the liked items and weights
// they were computed from. EASE is linear in the history, so a newer history's scores are
// these plus the changed items' rows (equal up to rounding).
type easeState struct {
	scores []float32
	items  map[int32]float32
}

// NewSourceCache returns a cache bounded by opts; nil when opts.Size is 0 (a nil cache is
// valid and caches nothing).
func NewSourceCache(opts SourceCacheOptions) *SourceCache {
	if opts.Size <= 0 {
		return nil
	}
	c := &SourceCache{opts: opts}
	// Every way an entry leaves (the Size bound, the byte bound, Forget) passes here; a
	// replaced entry does not, and put subtracts it.
	c.lru, _ = lru.NewLRU[string, *sourceEntry](opts.Size, func(_ string, e *sourceEntry) { c.bytes -= e.size })
	return c
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

// CatalogChanged marks every entry's lists stale (items were added, changed or deleted, so
// the popularity and vector sources may have other answers); cached EASE scores, which
// depend on the model only, are still updated rather than computed again.
func (c *SourceCache) CatalogChanged() {
	if c != nil {
		c.catalog.Add(1)
	}
}

// Forget drops a key's entry (a deleted user) and reports whether there was one.
func (c *SourceCache) Forget(key string) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Remove(key)
}

// lookup returns key's entry when it was computed by the given model version for the same
// source depths (all sources', the CF source's) and strategy (nil otherwise).
func (c *SourceCache) lookup(key, version string, k, cfk int, strategy string) *sourceEntry {
	if c == nil || key == "" {
		return nil
	}
	c.mu.Lock()
	e, ok := c.lru.Get(key)
	c.mu.Unlock()
	if !ok || e.version != version || e.k != k || e.cfk != cfk || e.strategy != strategy {
		return nil
	}
	return e
}

// fresh reports whether e's lists still serve a history of npos liked items at now. This is
// the cache's staleness rule, and the only place it is applied: an entry is recomputed
// when the model version, the source depths or the strategy changed (lookup), when the
// catalog changed since it was computed (CatalogChanged), when it is older than MaxAge
// (30 seconds by default), when the history gained MaxNewItems liked items (5 by default)
// or lost one. TestSourceCache_Reuse guards it.
func (c *SourceCache) fresh(e *sourceEntry, npos int, now time.Time) bool {
	if e == nil || e.catalog != c.catalog.Load() || now.Sub(e.at) > c.opts.MaxAge {
		return false
	}
	d := npos - e.npos
	return d >= 0 && d < max(c.opts.MaxNewItems, 1)
}

// put keeps e for key, then drops the least recently used entries while the bytes exceed
// MaxBytes. An entry larger than MaxBytes alone replaces nothing and is not kept.
func (c *SourceCache) put(key string, e *sourceEntry) {
	if c == nil || key == "" {
		return
	}
	e.size = e.bytes()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opts.MaxBytes > 0 && e.size > c.opts.MaxBytes {
		return
	}
	if old, ok := c.lru.Peek(key); ok {
		c.bytes -= old.size
	}
	c.lru.Add(key, e)
	c.bytes += e.size
	for c.opts.MaxBytes > 0 && c.bytes > c.opts.MaxBytes {
		c.lru.RemoveOldest()
	}
}

// cachedSources returns the model sources of a plain request (see cacheable) for the user
// req.SourceKey and their cold items: the cached ones while fresh (the staleness rule is
// SourceCache.fresh), computed again otherwise, EASE then by updating the cached scores
// with the history's changes. It is the source stage's shortcut: the lists are the ones
// historySources computes, in the same order (TestPipeline_HeadOf compares both).
func (r *request) cachedSources(ctx context.Context) ([]SourceList, []coldItem) {
	p, c, key := r.p, r.req.SourceCache, r.req.SourceKey
	now, gen := time.Now(), c.catalog.Load()
	e := c.lookup(key, p.M.Version, r.k, r.cfk, r.resp.Strategy)
	if c.fresh(e, len(r.pos), now) {
		return e.lists, e.cold
	}
	var lists []SourceList
	var ease *easeState
	for _, s := range modelSources {
		if !r.on(s.name) {
			continue
		}
		if s.name == "ease" {
			var prev *easeState
			if e != nil {
				prev = e.ease
			}
			var l SourceList
			l, ease = r.easeCached(prev)
			lists = append(lists, l)
			continue
		}
		if l, ok := s.list(ctx, r); ok {
			lists = append(lists, l)
		}
	}
	norm := p.Opts.Normalisation
	if norm == "" {
		norm = MinMax
	}
	cold := p.coldItemsOf(lists, norm)
	c.put(key, &sourceEntry{version: p.M.Version, k: r.k, cfk: r.cfk, strategy: r.resp.Strategy, npos: len(r.pos), at: now, catalog: gen,
		lists: lists, cold: cold, ease: ease})
	return lists, cold
}

// easeCached is the EASE source from prev's scores updated by the history's changes (see
// easeScores), and the new scores to cache.
func (r *request) easeCached(prev *easeState) (SourceList, *easeState) {
	p := r.p
	l := SourceList{Name: "ease"}
	if p.M.EASE == nil {
		return l, nil
	}
	items, weights := r.indexedSrc()
	if len(items) == 0 {
		return l, nil
	}
	ease := p.easeScores(prev, items, weights)
	top := topN(ease.scores, r.k, func(i int32) bool { return !r.excl.has(i) })
	for _, i := range top {
		l.Items = append(l.Items, SourceScore{ID: p.M.Items[i], Score: float64(ease.scores[i])})
	}
	return l, ease
}

// easeScores returns the EASE scores of the liked items: prev's plus the rows of the items
// whose weight changed, or all computed when prev is nil. It returns prev itself when
// nothing changed; it never modifies prev.
func (p *Pipeline) easeScores(prev *easeState, items []int32, weights []float32) *easeState {
	cur := make(map[int32]float32, len(items))
	for n, i := range items {
		cur[i] += weights[n]
	}
	n := len(p.M.Items)
	if prev == nil || len(prev.scores) != n {
		st := &easeState{scores: make([]float32, n), items: cur}
		p.M.EASE.Score(-1, items, weights, st.scores)
		return st
	}
	var dItems []int32
	for i, w := range cur {
		if w != prev.items[i] {
			dItems = append(dItems, i)
		}
	}
	for i := range prev.items {
		if _, ok := cur[i]; !ok {
			dItems = append(dItems, i)
		}
	}
	if len(dItems) == 0 {
		return prev
	}
	slices.Sort(dItems) // the same sums in the same order for the same change
	dW := make([]float32, len(dItems))
	for x, i := range dItems {
		dW[x] = cur[i] - prev.items[i]
	}
	// Score adds the popularity prior to the rows; subtract it once.
	bp, pp := p.scratch.Get().(*[]float32), p.scratch.Get().(*[]float32)
	defer p.scratch.Put(bp)
	defer p.scratch.Put(pp)
	delta, prior := *bp, *pp
	p.M.EASE.Score(-1, dItems, dW, delta)
	p.M.EASE.Score(-1, nil, nil, prior)
	st := &easeState{scores: make([]float32, n), items: cur}
	for j := range st.scores {
		st.scores[j] = prev.scores[j] + (delta[j] - prior[j])
	}
	return st
}
