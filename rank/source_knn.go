package rank

import "github.com/recd/recd/model"

// knnSource scores items from the liked items' item-kNN neighbours and names, for each
// candidate, the (up to three) liked items that contributed most.
func (p *Pipeline) knnSource(pos []Interaction, excl exclusion, k int) SourceList {
	items, weights := p.indexed(pos)
	return p.knnSourceOf(items, weights, excl, k)
}

// knnSourceOf is knnSource of liked items already mapped to their item indexes (indexed).
func (p *Pipeline) knnSourceOf(items []int32, weights []float32, excl exclusion, k int) SourceList {
	l := SourceList{Name: "itemknn"}
	if p.M.KNN == nil || len(items) == 0 {
		return l
	}
	top, scores := p.knnTop(items, weights, excl, k)
	because := p.knnBecause(top, items, weights)
	l.Items = make([]SourceScore, 0, len(top))
	for n, i := range top {
		l.Items = append(l.Items, SourceScore{ID: p.M.Items[i], Score: scores[n], Because: because[n]})
	}
	return l
}

// knnChunk is how many history items' neighbour lists knnTop loads together.
const knnChunk = 16

// knnTop scores the liked items' neighbours as ItemKNN.Score does (the same sums in the
// same order) but touches only those neighbours, not the whole catalog, and returns the k
// best positive scores of items not in excl, best first.
func (p *Pipeline) knnTop(items []int32, weights []float32, excl exclusion, k int) ([]int32, []float64) {
	bufp, markp, tp := p.sparse.Get().(*[]float32), p.marks.Get().(*[]bool), p.touched.Get().(*[]int32)
	dst, seen, touched := *bufp, *markp, (*tp)[:0]
	defer func() {
		for _, i := range touched {
			dst[i], seen[i] = 0, false
		}
		*tp = touched[:0]
		p.sparse.Put(bufp)
		p.marks.Put(markp)
		p.touched.Put(tp)
	}()
	knn := p.M.KNN
	sn := knn.Opts.ScoreNeighbors
	// A chunk of history items at a time: their neighbour lists' headers, then a touch of
	// each list's cache lines, then the sums. The loads of a phase do not wait on each other,
	// so the core overlaps their cache misses; one list after another, a heavy user's
	// thousands of lists each waited for their own.
	var lists [knnChunk][]model.Neighbor
	for from := 0; from < len(items); from += knnChunk {
		chunk := items[from:min(from+knnChunk, len(items))]
		for c, j := range chunk {
			lists[c] = nil
			if j >= 0 && int(j) < len(knn.Neighbors) {
				lists[c] = knn.Neighbors[j]
				if sn > 0 && len(lists[c]) > sn {
					lists[c] = lists[c][:sn]
				}
			}
		}
		var sink int32
		for c := range chunk {
			for e := 0; e < len(lists[c]); e += 8 { // 8 neighbours a cache line
				sink ^= lists[c][e].Item
			}
		}
		touchSink.Store(sink)
		for c := range chunk {
			w := weights[from+c]
			for _, nb := range lists[c] {
				if int(nb.Item) >= len(dst) {
					continue
				}
				if !seen[nb.Item] {
					seen[nb.Item] = true
					touched = append(touched, nb.Item)
				}
				dst[nb.Item] += w * nb.Sim
			}
		}
	}
	top := topNAmong(dst, touched, k, func(i int32) bool { return !excl.has(i) })
	scores := make([]float64, len(top))
	for n, i := range top {
		scores[n] = float64(dst[i])
	}
	return top, scores
}

// knnBecause finds, in one pass over the history's neighbour lists, the (up to three) history
// items that contributed most to each candidate (the first seen wins a tie).
func (p *Pipeline) knnBecause(top, items []int32, weights []float32) [][]string {
	type contrib struct {
		item int32
		v    float32
	}
	rp := p.ranks.Get().(*[]int32) // item index -> position in top + 1; 0: not in top
	rank := *rp
	defer func() {
		for _, i := range top {
			rank[i] = 0
		}
		p.ranks.Put(rp)
	}()
	for n, i := range top {
		rank[i] = int32(n + 1)
	}
	best := make([][3]contrib, len(top))
	cnt := make([]uint8, len(top))
	k := p.M.KNN.Opts.ScoreNeighbors
	for n, j := range items {
		nbs := p.M.KNN.Neighbors[j]
		if k > 0 && len(nbs) > k {
			nbs = nbs[:k]
		}
		w := weights[n]
		for _, nb := range nbs {
			if int(nb.Item) >= len(rank) || rank[nb.Item] == 0 {
				continue
			}
			r := rank[nb.Item] - 1
			c := contrib{j, nb.Sim * w}
			b := &best[r]
			m := int(cnt[r])
			if m == 3 && c.v <= b[2].v {
				continue
			}
			if m < 3 {
				m++
				cnt[r] = uint8(m)
			}
			x := m - 1
			for x > 0 && c.v > b[x-1].v {
				b[x] = b[x-1]
				x--
			}
			b[x] = c
		}
	}
	out := make([][]string, len(top))
	names := make([]string, 0, 3*len(top))
	for r := range best {
		start := len(names)
		for _, x := range best[r][:cnt[r]] {
			names = append(names, p.M.Items[x.item])
		}
		if len(names) > start {
			out[r] = names[start:len(names):len(names)]
		}
	}
	return out
}
