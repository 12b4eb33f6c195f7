package hnsw

import (
	"context"
	"fmt"

	"github.com/recd/recd/index"
)

// Search implements index.Index. Unfiltered searches walk the graph with
// ef = max(req.Ef or EfSearch, K). Filtered searches estimate the allowed share of the
// space from a sample: when few vectors pass (ExactBelow, ExactFraction) they are scanned
// exactly, otherwise the graph is walked with a wider beam and only passing nodes are kept.
func (ix *Index) Search(_ context.Context, req index.SearchRequest) ([]index.Hit, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return nil, index.ErrClosed
	}
	s, ok := ix.spaces[req.Space]
	if !ok {
		return nil, fmt.Errorf("space %s: %w", req.Space, index.ErrUnknownSpace)
	}
	if err := index.ValidateSearch(req, s.cfg); err != nil {
		return nil, err
	}
	if s.sp != nil {
		m, err := matcherOf(req.Filter)
		if err != nil {
			return nil, err
		}
		return ix.searchSparse(s, req, m), nil
	}
	// A dense search tests its deny list by node index (marked in the searcher below), not by
	// hashing each visited node's id: a heavy user's request denies their whole history.
	f, deny := splitDeny(req.Filter)
	m, err := matcherOf(f)
	if err != nil {
		return nil, err
	}
	sr := ix.searcher()
	defer ix.pool.Put(sr)
	q := append(sr.q[:0], req.Vector...)
	sr.q = q
	if s.cfg.Metric == index.Cosine {
		index.Normalize(q)
	}
	ef := req.Ef
	if ef == 0 {
		ef = ix.opts.EfSearch
	}
	ef = max(ef, req.K)
	if m == nil && len(deny) == 0 {
		return hitsOf(ix, s.g, s.g.search(sr, q, ef, nil), req), nil
	}
	if len(deny) > 0 {
		sr.markDenied(s, ix.denyGIDs(deny, req.Filter.Memo))
	}
	return ix.searchFiltered(s, sr, q, ef, req, m, len(deny) > 0), nil
}

// splitDeny returns the filter without its deny list, and the list; f itself is not changed.
func splitDeny(f *index.Filter) (*index.Filter, []string) {
	if f == nil || len(f.Deny) == 0 {
		return f, nil
	}
	rest := *f
	rest.Deny = nil
	return &rest, f.Deny
}

// markDenied sets sr.denied to the live nodes of the item numbers gids.
func (sr *searcher) markDenied(s *space, gids []int32) {
	sr.denied.reset(s.g.size())
	for _, gid := range gids {
		if int(gid) < len(s.nodeOf) {
			if nd := s.nodeOf[gid]; nd >= 0 {
				sr.denied.add(nd)
			}
		}
	}
}

// denyMemo is what a search keeps in its filter's Memo: the item numbers of the deny list
// under the index's epoch (item numbers are never reused within one).
type denyMemo struct {
	ix    *Index
	epoch uint64
	gids  []int32
}

// denyGIDs returns the item numbers of the ids the index holds, from memo when an earlier
// search with the filter left them there (a heavy user's request denies their whole history
// in each space it searches: one map lookup an id, not one a space). Called under ix.mu.
func (ix *Index) denyGIDs(ids []string, memo *index.FilterMemo) []int32 {
	if memo != nil {
		if m, ok := memo.Value.(*denyMemo); ok && m.ix == ix && m.epoch == ix.epoch {
			return m.gids
		}
	}
	gids := make([]int32, 0, len(ids))
	for _, id := range ids {
		if gid, ok := ix.gidOf[id]; ok {
			gids = append(gids, gid)
		}
	}
	if memo != nil {
		memo.Value = &denyMemo{ix: ix, epoch: ix.epoch, gids: gids}
	}
	return gids
}

// matcherOf compiles a search's filter; nil when there is none or it lets everything pass.
func matcherOf(f *index.Filter) (*index.Matcher, error) {
	if f == nil {
		return nil, nil
	}
	m, err := index.NewMatcher(f)
	if err != nil || m.All() {
		return nil, err
	}
	return m, nil
}

// searchSparse answers a search of a sparse space from its inverted index.
func (ix *Index) searchSparse(s *space, req index.SearchRequest, m *index.Matcher) []index.Hit {
	var allow func(string) bool
	if m != nil {
		allow = func(id string) bool {
			g, ok := ix.gidOf[id]
			return ok && m.Match(id, ix.payload(g))
		}
	}
	return index.ApplyThreshold(s.sp.Search(*req.Sparse, req.K, allow), req.Threshold)
}

// searchFiltered answers a filtered dense search: exactly over an allow-list, the named
// categories or a scan when few vectors pass, else by a graph walk whose beam widens as the
// estimated share of passing vectors falls. denies says the search has a deny list, marked in
// sr.denied.
func (ix *Index) searchFiltered(s *space, sr *searcher, q []float32, ef int, req index.SearchRequest, m *index.Matcher, denies bool) []index.Hit {
	g := s.g
	allow := func(n int32) bool {
		if denies && sr.denied.has(n) {
			return false
		}
		if m == nil {
			return true
		}
		gid := g.gids[n]
		return m.Match(ix.ids[gid], ix.payload(gid))
	}
	if m != nil && m.AvailableOnly() {
		allow = func(n int32) bool { return !(denies && sr.denied.has(n)) && ix.avail[g.gids[n]] }
	}
	if m == nil {
		return ix.walkFiltered(s, sr, q, ef, req, allow)
	}
	if ids, ok := m.AllowList(); ok && len(ids) <= max(ix.opts.ExactBelow, 1) {
		return ix.exactIDs(s, sr, q, ids, req, allow)
	}
	if cats := m.Categories(); len(cats) > 0 {
		// The category lists bound the allowed set from above.
		total := 0
		for _, c := range cats {
			total += len(ix.cats[c])
		}
		if total <= ix.opts.ExactBelow || float64(total) < ix.opts.ExactFraction*float64(g.live) {
			return ix.exactCategories(s, sr, q, cats, req, allow)
		}
	}
	return ix.walkFiltered(s, sr, q, ef, req, allow)
}

// walkFiltered walks the graph for the nodes allow accepts, widening the beam as the
// estimated share of them falls and scanning exactly when few pass.
func (ix *Index) walkFiltered(s *space, sr *searcher, q []float32, ef int, req index.SearchRequest, allow func(int32) bool) []index.Hit {
	g := s.g
	frac := estimate(g, allow)
	est := frac * float64(g.live)
	if est <= float64(ix.opts.ExactBelow) || frac < ix.opts.ExactFraction {
		return ix.exactScan(s, sr, q, req, allow)
	}
	if frac < 0.5 {
		ef = min(ef*2, ef+2000)
	}
	if frac < 0.1 {
		ef = min(ef*2, ef+4000)
	}
	res := g.search(sr, q, ef, allow)
	if len(res) < req.K && est >= float64(len(res)) {
		// the walk came short of K although more vectors pass: scan them.
		return ix.exactScan(s, sr, q, req, allow)
	}
	return hitsOf(ix, g, res, req)
}

// hitsOf turns the best K of a walk's results into hits, stopping at the threshold.
func hitsOf(ix *Index, g *graph, res []distNode, req index.SearchRequest) []index.Hit {
	n := min(len(res), req.K)
	hits := make([]index.Hit, 0, n)
	for _, r := range res[:n] {
		sc := g.score(r.d)
		if req.Threshold != nil && sc < *req.Threshold {
			break
		}
		hits = append(hits, index.Hit{ID: ix.ids[g.gids[r.n]], Score: sc})
	}
	return hits
}

// estimate returns the share of live nodes that allow accepts, from up to 256 nodes
// sampled at a fixed stride.
func estimate(g *graph, allow func(int32) bool) float64 {
	n := g.size()
	if n == 0 || g.live == 0 {
		return 0
	}
	step := max(1, n/256)
	seen, pass := 0, 0
	for i := 0; i < n; i += step {
		if g.deleted[i] {
			continue
		}
		seen++
		if allow(int32(i)) {
			pass++
		}
	}
	if seen == 0 {
		return 1
	}
	return float64(pass) / float64(seen)
}

func (ix *Index) collect(s *space, top *index.TopK, req index.SearchRequest) []index.Hit {
	return index.ApplyThreshold(top.Sorted(), req.Threshold)
}

// exactIDs scores the allow-listed items directly.
func (ix *Index) exactIDs(s *space, sr *searcher, q []float32, ids []string, req index.SearchRequest, allow func(int32) bool) []index.Hit {
	top := index.NewTopK(req.K)
	for _, id := range ids {
		gid, ok := ix.gidOf[id]
		if !ok {
			continue
		}
		n := s.nodeOf[gid]
		if n < 0 || !allow(n) {
			continue
		}
		top.Push(id, s.g.score(s.g.dist(q, n)))
	}
	return ix.collect(s, top, req)
}

// exactCategories scores the items listed under the filter's categories.
func (ix *Index) exactCategories(s *space, sr *searcher, q []float32, cats []string, req index.SearchRequest, allow func(int32) bool) []index.Hit {
	g := s.g
	sr.reset(g.size())
	top := index.NewTopK(req.K)
	for _, c := range cats {
		for _, gid := range ix.cats[c] {
			n := s.nodeOf[gid]
			if n < 0 || !sr.visit(n) || !allow(n) {
				continue
			}
			top.Push(ix.ids[gid], g.score(g.dist(q, n)))
		}
	}
	return ix.collect(s, top, req)
}

// exactScan scores every live node that allow accepts.
func (ix *Index) exactScan(s *space, sr *searcher, q []float32, req index.SearchRequest, allow func(int32) bool) []index.Hit {
	g := s.g
	top := index.NewTopK(req.K)
	for n := int32(0); n < int32(g.size()); n++ {
		if g.deleted[n] || !allow(n) {
			continue
		}
		top.Push(ix.ids[g.gids[n]], g.score(g.dist(q, n)))
	}
	return ix.collect(s, top, req)
}
