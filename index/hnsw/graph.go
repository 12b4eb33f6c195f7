package hnsw

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/recd/recd/index"
)

const lockStripes = 4096

// graph is the HNSW graph of one dense space. Nodes are dense int32 slots. Vectors sit in
// one contiguous arena (normalised for cosine, so cosine is a dot product) and level-0 links
// in another, 2M+1 slots per node with the count first, as in hnswlib; the few upper-level
// lists share one flat slice. The arenas live outside the Go heap (see arena). Replaced and
// deleted nodes stay in the graph as tombstones: searches walk through them but never return
// them. Searches score each expansion's unvisited neighbours in one batched kernel call that
// prefetches the vectors ahead, and allocate nothing (scratch state is in a pooled searcher).
//
// Concurrency: the owning Index serialises writers against searchers with its RWMutex.
// Within one write, insert may run on several goroutines: each link list is read and written
// under its stripe lock (one stripe lock held at a time), and the entry point under entryMu.
// Slots are allocated (add) before the parallel phase, so the arenas never grow during it.
type graph struct {
	dim        int
	l2         bool
	m, m0      int
	efC        int
	ml         float64
	mem        *graphMem // the arenas behind vecs and links0
	vecs       []float32 // view of mem.vecs: per node dim floats
	links0     []int32   // view of mem.links: per node m0+1 slots, count then neighbours
	levels     []uint8
	upperAt    []int32 // node -> start of its levels 1..L in upperLinks (nodes of level > 0)
	upperLinks []int32 // per upper level m+1 slots (count, neighbours), in node order
	gids       []int32 // node -> item
	deleted    []bool
	live       int
	entry      int32
	maxLevel   int
	entryMu    sync.Mutex
	locks      [lockStripes]sync.Mutex
}

// graphMem owns a graph's arenas; a cleanup frees them once the graph is unreachable
// (Index.maybeCompact frees a replaced graph's at once).
type graphMem struct{ vecs, links arena }

func (m *graphMem) free() {
	m.vecs.free()
	m.links.free()
}

func newGraph(dim int, metric index.Metric, o Options) *graph {
	g := &graph{
		dim: dim, l2: metric == index.L2, m: o.M, m0: 2 * o.M, efC: o.EfConstruction,
		ml: 1 / math.Log(float64(o.M)), entry: -1, mem: &graphMem{},
	}
	runtime.AddCleanup(g, (*graphMem).free, g.mem)
	return g
}

// reserve sizes the arenas for n nodes and re-takes the views (callers hold the index's
// exclusive lock: views taken before are invalid afterwards).
func (g *graph) reserve(n int) {
	g.mem.vecs.grow(n * g.dim)
	g.mem.links.grow(n * (g.m0 + 1))
	g.vecs = g.mem.vecs.float32s(len(g.vecs))
	g.links0 = g.mem.links.int32s(len(g.links0))
}

func (g *graph) size() int { return len(g.levels) }

func (g *graph) vec(n int32) []float32 {
	i := int(n) * g.dim
	return g.vecs[i : i+g.dim : i+g.dim]
}

// dist is the distance of q to node n: squared L2, or the negated dot product.
func (g *graph) dist(q []float32, n int32) float32 {
	if g.l2 {
		return index.L2Squared(q, g.vec(n))
	}
	return -index.DotProduct(q, g.vec(n))
}

// score converts a distance to the index's "higher is more similar" score.
func (g *graph) score(d float32) float32 {
	if g.l2 {
		return -float32(math.Sqrt(float64(max(d, 0))))
	}
	return -d
}

// randomLevel draws a node level from the geometric distribution with factor ml.
func (g *graph) randomLevel(u float64) int {
	l := int(-math.Log(max(u, 1e-300)) * g.ml)
	return min(l, 64)
}

// add allocates a node for item gid with vector v (already normalised) at level; the node
// is not linked until insert runs.
func (g *graph) add(gid int32, v []float32, level int) int32 {
	n := int32(len(g.levels))
	g.reserve(int(n) + 1)
	g.vecs = g.mem.vecs.float32s(len(g.vecs) + g.dim)
	copy(g.vecs[int(n)*g.dim:], v)
	g.links0 = g.mem.links.int32s(len(g.links0) + g.m0 + 1) // fresh arena words are zero
	g.levels = append(g.levels, uint8(level))
	at := int32(-1)
	if level > 0 {
		at = int32(len(g.upperLinks))
		k := level * (g.m + 1)
		g.upperLinks = slices.Grow(g.upperLinks, k)[:int(at)+k]
		clear(g.upperLinks[at:])
	}
	g.upperAt = append(g.upperAt, at)
	g.gids = append(g.gids, gid)
	g.deleted = append(g.deleted, false)
	g.live++
	return n
}

func (g *graph) remove(n int32) {
	if !g.deleted[n] {
		g.deleted[n] = true
		g.live--
	}
}

// links returns node n's neighbour list at level (callers hold the stripe lock when
// other goroutines may write it).
func (g *graph) links(n int32, level int) []int32 {
	if level == 0 {
		b := int(n) * (g.m0 + 1)
		return g.links0[b+1 : b+1+int(g.links0[b])]
	}
	b := int(g.upperAt[n]) + (level-1)*(g.m+1)
	return g.upperLinks[b+1 : b+1+int(g.upperLinks[b])]
}

func (g *graph) setLinks(n int32, level int, ns []distNode) {
	var s []int32
	if level == 0 {
		b := int(n) * (g.m0 + 1)
		s = g.links0[b : b+g.m0+1]
	} else {
		b := int(g.upperAt[n]) + (level-1)*(g.m+1)
		s = g.upperLinks[b : b+g.m+1]
	}
	s[0] = int32(len(ns))
	for i, x := range ns {
		s[i+1] = x.n
	}
}

// prefetchLinks starts loading node n's link list at level 0 (a search's next expansion).
func (g *graph) prefetchLinks(n int32, level int) {
	if level == 0 {
		prefetch(&g.links0[int(n)*(g.m0+1)])
	}
}

func (g *graph) lock(n int32) *sync.Mutex { return &g.locks[int(n)&(lockStripes-1)] }

// neighbours copies n's links at level into s.nbuf, under the stripe lock when locked.
func (g *graph) neighbours(s *searcher, n int32, level int, locked bool) []int32 {
	if !locked {
		return g.links(n, level)
	}
	mu := g.lock(n)
	mu.Lock()
	s.nbuf = append(s.nbuf[:0], g.links(n, level)...)
	mu.Unlock()
	return s.nbuf
}

// distBatch writes the distances of q to nodes ns into s.dists and returns them.
func (g *graph) distBatch(s *searcher, q []float32, ns []int32) []float32 {
	if cap(s.dists) < len(ns) {
		s.dists = make([]float32, len(ns)+32)
	}
	out := s.dists[:len(ns)]
	if len(ns) == 0 {
		return out
	}
	if useBatchAVX2 && g.dim >= 8 {
		// graph invariant: every link addresses a node with a vector in g.vecs
		_ = g.vecs[(int(slices.Max(ns))+1)*g.dim-1]
		if g.l2 {
			l2BatchAVX2(&q[0], &g.vecs[0], &ns[0], len(ns), g.dim, &out[0])
		} else {
			dotBatchAVX2(&q[0], &g.vecs[0], &ns[0], len(ns), g.dim, &out[0])
		}
		return out
	}
	for i, n := range ns {
		out[i] = g.dist(q, n)
	}
	return out
}

// greedy walks from ep to the closest node at one level (ef = 1).
func (g *graph) greedy(s *searcher, q []float32, ep distNode, level int, locked bool) distNode {
	for changed := true; changed; {
		changed = false
		nbs := g.neighbours(s, ep.n, level, locked)
		for i, d := range g.distBatch(s, q, nbs) {
			if d < ep.d {
				ep = distNode{d, nbs[i]}
				changed = true
			}
		}
	}
	return ep
}

// searchLayer is the HNSW beam search at one level, starting from ep. It leaves up to ef
// results in s.res (a max-heap). Only nodes that allow accepts (and that are not deleted,
// when skipDeleted) enter the results; all nodes are walked through.
func (g *graph) searchLayer(s *searcher, q []float32, ep distNode, ef, level int, locked, skipDeleted bool, allow func(int32) bool) {
	s.reset(g.size())
	s.visit(ep.n)
	s.cand.push(ep)
	if (!skipDeleted || !g.deleted[ep.n]) && (allow == nil || allow(ep.n)) {
		s.res.push(ep)
	}
	for len(s.cand) > 0 {
		c := s.cand.pop()
		if len(s.res) >= ef && c.d > s.res[0].d {
			break
		}
		if len(s.cand) > 0 {
			g.prefetchLinks(s.cand[0].n, level)
		}
		batch := s.batch[:0]
		for _, nb := range g.neighbours(s, c.n, level, locked) {
			if s.visit(nb) {
				batch = append(batch, nb)
			}
		}
		s.batch = batch
		for i, d := range g.distBatch(s, q, batch) {
			nb := batch[i]
			if len(s.res) < ef || d < s.res[0].d {
				s.cand.push(distNode{d, nb})
				if (!skipDeleted || !g.deleted[nb]) && (allow == nil || allow(nb)) {
					if len(s.res) < ef {
						s.res.push(distNode{d, nb})
					} else {
						s.res.replaceTop(distNode{d, nb})
					}
				}
			}
		}
	}
}

// sortedResults drains s.res into s.sorted, closest first.
func (s *searcher) sortedResults() []distNode {
	n := len(s.res)
	if cap(s.sorted) < n {
		s.sorted = make([]distNode, n)
	}
	s.sorted = s.sorted[:n]
	for i := n - 1; i >= 0; i-- {
		s.sorted[i] = s.res.pop()
	}
	return s.sorted
}

// selectNeighbours is hnswlib's heuristic: walking candidates closest first, keep one only
// if it is closer to the base than to every neighbour kept so far. cands must be sorted.
func (g *graph) selectNeighbours(cands []distNode, m int, out []distNode) []distNode {
	out = out[:0]
	if len(cands) <= m {
		return append(out, cands...)
	}
	for _, c := range cands {
		if len(out) >= m {
			break
		}
		good := true
		cv := g.vec(c.n)
		for _, o := range out {
			if g.dist(cv, o.n) < c.d {
				good = false
				break
			}
		}
		if good {
			out = append(out, c)
		}
	}
	return out
}

// insert links node n into the graph. Safe to call from several goroutines for different
// nodes (see the type's comment).
func (g *graph) insert(s *searcher, n int32) {
	q := g.vec(n)
	level := int(g.levels[n])
	g.entryMu.Lock()
	ep, top := g.entry, g.maxLevel
	if ep < 0 {
		g.entry, g.maxLevel = n, level
		g.entryMu.Unlock()
		return
	}
	raise := level > top
	if !raise {
		g.entryMu.Unlock()
	} else {
		defer g.entryMu.Unlock() // new top level: hold the entry point until linked
	}
	cur := distNode{g.dist(q, ep), ep}
	for l := top; l > level; l-- {
		cur = g.greedy(s, q, cur, l, true)
	}
	for l := min(level, top); l >= 0; l-- {
		g.searchLayer(s, q, cur, g.efC, l, true, false, nil)
		cands := s.sortedResults()
		// drop n itself if a concurrent insert already linked it
		k := 0
		for _, c := range cands {
			if c.n != n {
				cands[k] = c
				k++
			}
		}
		cands = cands[:k]
		if len(cands) == 0 {
			continue
		}
		cur = cands[0]
		s.sel = g.selectNeighbours(cands, g.m, s.sel)
		mu := g.lock(n)
		mu.Lock()
		g.setLinks(n, l, s.sel)
		mu.Unlock()
		maxL := g.m
		if l == 0 {
			maxL = g.m0
		}
		for _, nb := range s.sel {
			g.linkBack(s, nb.n, n, nb.d, l, maxL)
		}
	}
	if raise {
		g.entry, g.maxLevel = n, level
	}
}

// linkBack adds n to nb's links at level, pruning them with the heuristic when full.
func (g *graph) linkBack(s *searcher, nb, n int32, d float32, level, maxL int) {
	mu := g.lock(nb)
	mu.Lock()
	defer mu.Unlock()
	cur := g.links(nb, level)
	for _, x := range cur {
		if x == n {
			return
		}
	}
	if len(cur) < maxL {
		if level == 0 {
			b := int(nb) * (g.m0 + 1)
			g.links0[b+1+len(cur)] = n
			g.links0[b]++
		} else {
			b := int(g.upperAt[nb]) + (level-1)*(g.m+1)
			g.upperLinks[b+1+len(cur)] = n
			g.upperLinks[b]++
		}
		return
	}
	base := g.vec(nb)
	cands := append(s.pruneC[:0], distNode{d, n})
	for i, dx := range g.distBatch(s, base, cur) {
		cands = append(cands, distNode{dx, cur[i]})
	}
	slices.SortFunc(cands, func(a, b distNode) int { return cmp.Compare(a.d, b.d) })
	s.pruneC = cands
	s.pruneS = g.selectNeighbours(cands, maxL, s.pruneS)
	g.setLinks(nb, level, s.pruneS)
}

// search finds the ef closest nodes to q that allow accepts (tombstones skipped) and
// returns them closest first, in s's scratch space.
func (g *graph) search(s *searcher, q []float32, ef int, allow func(int32) bool) []distNode {
	if g.entry < 0 {
		return nil
	}
	cur := distNode{g.dist(q, g.entry), g.entry}
	for l := g.maxLevel; l > 0; l-- {
		cur = g.greedy(s, q, cur, l, false)
	}
	g.searchLayer(s, q, cur, ef, 0, false, true, allow)
	return s.sortedResults()
}
