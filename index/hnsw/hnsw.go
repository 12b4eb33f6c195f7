// Package hnsw is recd's embedded vector index: a pure-Go HNSW graph per dense space, the
// inverted index of package index for sparse spaces, and snapshots to a data directory.
package hnsw

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/recd/recd/index"
)

// Index implements index.Index and index.Snapshotter. It is safe for concurrent use.
// Writers (CreateSpace, Upsert, Delete, Save) are serialised by one mutex. Searches share a
// read lock that a writer takes exclusively only in short steps: an Upsert validates and
// stores the whole batch in one step (so a rejected batch changes nothing), then links the
// new graph nodes in chunks of 256 per worker on Options.Workers goroutines, releasing the
// lock between chunks. A search running between chunks sees every new vector (nodes not
// linked yet are reachable by exact scans only) and never a half-linked node.
type Index struct {
	opts Options
	dir  string

	wmu       sync.Mutex // serialises writers
	mu        sync.RWMutex
	spaces    map[string]*space
	gidOf     map[string]int32
	ids       []string           // gid -> item id
	payloads  []*index.Payload   // gid -> payload (nil: none; shared and read-only, see internPayload)
	avail     []bool             // gid -> its payload's Available (see setPayload)
	present   []bool             // gid -> upserted and not deleted
	cats      map[string][]int32 // category -> items that had it (may hold stale or repeated entries)
	rng       *rand.Rand
	loadedSeq int64
	epoch     uint64    // counts loads, which number the items anew (see denyMemo)
	norm      []float32 // writer scratch: a normalised vector
	pool      sync.Pool // *searcher
	closed    bool      // set by Close under both locks
}

type space struct {
	cfg    index.SpaceConfig
	g      *graph
	nodeOf []int32 // gid -> live node, -1 when none (dense spaces)
	sp     *index.SparseIndex
}

var (
	_ index.Index       = (*Index)(nil)
	_ index.Snapshotter = (*Index)(nil)
	_ io.Closer         = (*Index)(nil)
	_ index.IDSharer    = (*Index)(nil)
)

// Close frees the index's vectors and links at once (they live in memory mappings outside
// the Go heap, which would otherwise go back to the OS only when the GC finds the index
// unreachable). It waits for writers and searches in progress; every later call fails with
// index.ErrClosed. Closing twice is a no-op. Close does not save: call Save first.
func (ix *Index) Close() error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return nil
	}
	for _, s := range ix.spaces {
		if s.g != nil {
			s.g.mem.free()
			s.g = nil
		}
	}
	ix.spaces, ix.closed = map[string]*space{}, true
	return nil
}

// New returns an empty in-memory index; Save needs a directory, so use Open to persist.
func New(opts Options) (*Index, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("hnsw options: %w", err)
	}
	return &Index{
		opts:   opts,
		spaces: map[string]*space{},
		gidOf:  map[string]int32{},
		cats:   map[string][]int32{},
		rng:    rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)),
	}, nil
}

// Open returns the index persisted in dir, loading its snapshot if there is one (the graph
// is read back, not rebuilt), or an empty index that Save will write to dir.
func Open(dir string, opts Options) (*Index, error) {
	ix, err := New(opts)
	if err != nil {
		return nil, err
	}
	ix.dir = dir
	if err := ix.loadDir(); err != nil {
		return nil, err
	}
	return ix, nil
}

func (ix *Index) searcher() *searcher {
	if s, ok := ix.pool.Get().(*searcher); ok {
		return s
	}
	return &searcher{}
}

func (ix *Index) newSpace(cfg index.SpaceConfig) *space {
	s := &space{cfg: cfg}
	if cfg.Sparse {
		s.sp = index.NewSparseIndex(cfg.Metric)
	} else {
		s.g = newGraph(cfg.Dim, cfg.Metric, ix.opts)
		s.nodeOf = make([]int32, len(ix.ids))
		for i := range s.nodeOf {
			s.nodeOf[i] = -1
		}
	}
	return s
}

// CreateSpace implements index.Index.
func (ix *Index) CreateSpace(_ context.Context, cfg index.SpaceConfig) error {
	if err := index.ValidateSpaceConfig(cfg); err != nil {
		return err
	}
	cfg = index.NormalizeConfig(cfg)
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return index.ErrClosed
	}
	if s, ok := ix.spaces[cfg.Name]; ok {
		if s.cfg != cfg {
			return fmt.Errorf("space %s: %w", cfg.Name, index.ErrSpaceConflict)
		}
		return nil
	}
	ix.spaces[cfg.Name] = ix.newSpace(cfg)
	return nil
}

// Spaces implements index.Index; the list is sorted by name.
func (ix *Index) Spaces(context.Context) ([]index.SpaceInfo, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return nil, index.ErrClosed
	}
	out := make([]index.SpaceInfo, 0, len(ix.spaces))
	for _, s := range ix.spaces {
		out = append(out, index.SpaceInfo{SpaceConfig: s.cfg, Count: s.count()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *space) count() int {
	if s.sp != nil {
		return s.sp.Len()
	}
	return s.g.live
}

func (ix *Index) lookup(name string) (index.SpaceConfig, bool) {
	s, ok := ix.spaces[name]
	if !ok {
		return index.SpaceConfig{}, false
	}
	return s.cfg, true
}

// ShareIDs implements index.IDSharer: each stored id equal to one of ids becomes that string,
// in the hits and as the key of its item number. In steps under the write lock, so that a
// search waits for one step at most.
func (ix *Index) ShareIDs(ids []string) {
	const step = 4096
	for lo := 0; lo < len(ids); lo += step {
		ix.mu.Lock()
		if ix.closed {
			ix.mu.Unlock()
			return
		}
		for _, id := range ids[lo:min(lo+step, len(ids))] {
			if g, ok := ix.gidOf[id]; ok {
				delete(ix.gidOf, id) // the language does not promise that an overwrite stores the key
				ix.gidOf[id], ix.ids[g] = g, id
			}
		}
		ix.mu.Unlock()
	}
}

// gid returns the item number of id, creating it.
func (ix *Index) gid(id string) int32 {
	if g, ok := ix.gidOf[id]; ok {
		return g
	}
	g := int32(len(ix.ids))
	ix.gidOf[id] = g
	ix.ids = append(ix.ids, id)
	ix.payloads = append(ix.payloads, nil)
	ix.avail = append(ix.avail, false)
	ix.present = append(ix.present, false)
	for _, s := range ix.spaces {
		if s.g != nil {
			s.nodeOf = append(s.nodeOf, -1)
		}
	}
	return g
}

// Upsert implements index.Index. Every vector is validated before anything is written.
// A vector equal to the stored one leaves the graph untouched, so re-ingesting is cheap.
func (ix *Index) Upsert(_ context.Context, points []index.Point) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	pending, err := ix.store(points)
	if err != nil {
		return err
	}
	chunk := 256 * ix.opts.workers()
	for s, nodes := range pending {
		for len(nodes) > 0 {
			c := min(chunk, len(nodes))
			ix.mu.Lock()
			ix.insertAll(s.g, nodes[:c])
			ix.mu.Unlock()
			nodes = nodes[c:]
		}
		ix.mu.Lock()
		ix.maybeCompact(s)
		ix.mu.Unlock()
	}
	return nil
}

// store validates the batch and writes payloads, sparse vectors and new graph nodes (not yet
// linked), returning the nodes to link per dense space.
func (ix *Index) store(points []index.Point) (map[*space][]int32, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return nil, index.ErrClosed
	}
	if err := index.ValidatePoints(points, ix.lookup); err != nil {
		return nil, err
	}
	pending := map[*space][]int32{}
	for _, p := range points {
		g := ix.gid(p.ID)
		ix.indexCategories(g, p.Payload.Categories)
		ix.setPayload(g, internPayload(p.Payload))
		ix.present[g] = true
		for name, v := range p.Vectors {
			s := ix.spaces[name]
			if n := s.put(g, v, ix.rng, &ix.norm); n >= 0 {
				pending[s] = append(pending[s], n)
			}
		}
		for name, v := range p.Sparse {
			ix.spaces[name].sp.Upsert(p.ID, v)
		}
	}
	return pending, nil
}

// Payloads with neither categories nor attributes share these two values, so an item costs a
// pointer instead of a payload; stored payloads are never modified in place.
var (
	payloadAvailable   = &index.Payload{Available: true}
	payloadUnavailable = &index.Payload{}
)

// internPayload returns the stored form of p: a shared value for the common bare payloads,
// a private copy otherwise.
func internPayload(p index.Payload) *index.Payload {
	if len(p.Categories) == 0 && len(p.Attributes) == 0 {
		if p.Available {
			return payloadAvailable
		}
		return payloadUnavailable
	}
	c := index.ClonePayload(p)
	return &c
}

// setPayload stores item g's payload (nil: none) and its availability beside it: a search
// whose only condition is availability reads that dense array, not the payload, which is one
// cache miss a visited node.
func (ix *Index) setPayload(g int32, p *index.Payload) {
	ix.payloads[g] = p
	ix.avail[g] = p != nil && p.Available
}

// payload returns item g's payload, the zero payload when it has none (read-only).
func (ix *Index) payload(g int32) *index.Payload {
	if p := ix.payloads[g]; p != nil {
		return p
	}
	return payloadUnavailable
}

// indexCategories records item g under the categories it gains (call before storing the
// new payload). Entries are never removed: searches re-check the payload.
func (ix *Index) indexCategories(g int32, cats []string) {
	var old []string
	if ix.present[g] {
		old = ix.payload(g).Categories
	}
	for _, c := range cats {
		if !slices.Contains(old, c) {
			ix.cats[c] = append(ix.cats[c], g)
		}
	}
}

// put stores v for item g, returning the new node to link, or -1 when v equals the stored
// vector. A replaced node becomes a tombstone.
func (s *space) put(g int32, v []float32, rng *rand.Rand, buf *[]float32) int32 {
	gr := s.g
	if s.cfg.Metric == index.Cosine {
		*buf = append((*buf)[:0], v...)
		v = *buf
		index.Normalize(v)
	}
	if old := s.nodeOf[g]; old >= 0 {
		if slices.Equal(gr.vec(old), v) {
			return -1
		}
		gr.remove(old)
	}
	n := gr.add(g, v, gr.randomLevel(rng.Float64()))
	s.nodeOf[g] = n
	return n
}

// insertAll links new nodes, on Options.Workers goroutines for large batches.
func (ix *Index) insertAll(g *graph, nodes []int32) {
	w := min(ix.opts.workers(), len(nodes)/8)
	if w <= 1 {
		s := ix.searcher()
		for _, n := range nodes {
			g.insert(s, n)
		}
		ix.pool.Put(s)
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := ix.searcher()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(nodes)) {
					break
				}
				g.insert(s, nodes[i])
			}
			ix.pool.Put(s)
		}()
	}
	wg.Wait()
}

// maybeCompact rebuilds a dense space's graph from its live nodes once tombstones dominate.
func (ix *Index) maybeCompact(s *space) {
	old := s.g
	dead := old.size() - old.live
	if dead <= ix.opts.CompactMin || dead <= old.live {
		return
	}
	g := newGraph(old.dim, s.cfg.Metric, ix.opts)
	nodes := make([]int32, 0, old.live)
	for n := int32(0); n < int32(old.size()); n++ {
		if old.deleted[n] {
			continue
		}
		gid := old.gids[n]
		nn := g.add(gid, old.vec(n), int(old.levels[n]))
		s.nodeOf[gid] = nn
		nodes = append(nodes, nn)
	}
	s.g = g
	old.mem.free() // no search runs: the caller holds the exclusive lock
	ix.insertAll(g, nodes)
}

// Delete implements index.Index.
func (ix *Index) Delete(_ context.Context, ids []string) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return index.ErrClosed
	}
	for _, id := range ids {
		g, ok := ix.gidOf[id]
		if !ok {
			continue
		}
		ix.present[g] = false
		ix.setPayload(g, nil)
		for _, s := range ix.spaces {
			if s.sp != nil {
				s.sp.Delete(id)
				continue
			}
			if n := s.nodeOf[g]; n >= 0 {
				s.g.remove(n)
				s.nodeOf[g] = -1
			}
		}
	}
	for _, s := range ix.spaces {
		if s.g != nil {
			ix.maybeCompact(s)
		}
	}
	return nil
}

// Vectors implements index.Index. Cosine spaces return the stored, normalised vectors;
// sparse spaces return an empty map.
func (ix *Index) Vectors(_ context.Context, name string, ids []string) (map[string][]float32, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return nil, index.ErrClosed
	}
	s, ok := ix.spaces[name]
	if !ok {
		return nil, fmt.Errorf("space %s: %w", name, index.ErrUnknownSpace)
	}
	out := make(map[string][]float32, len(ids))
	if s.g == nil {
		return out, nil
	}
	for _, id := range ids {
		if g, ok := ix.gidOf[id]; ok {
			if n := s.nodeOf[g]; n >= 0 {
				out[id] = append([]float32(nil), s.g.vec(n)...)
			}
		}
	}
	return out, nil
}
