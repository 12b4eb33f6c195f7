package rank

import (
	"math"
	"slices"
	"sync"

	"github.com/recd/recd"
)

// blendPool is Blend computed lazily: every item's blended score, but a Candidate (with its
// Sources map and Reasons) only for the items taken from the top with take. A plain request
// looks at the head of the pool only (see headOf), so most items never become Candidates.
// Its scores, sources and reasons are those Blend gives, bit for bit: the same sums in the
// same order. Not safe for concurrent use.
type blendPool struct {
	lists []SourceList
	opt   BlendOptions
	total float64
	ids   []string // item j's id, in order of first appearance
	pos   map[string]int32
	score []float64
	// The list entries naming item j, in list order: head[j], then next[e] (-1 ends).
	head, tail []int32
	next       []int32
	entryList  []int32 // the list of entry e
	entryItem  []int32 // the index within its list of entry e
	norm       []float64
	heap       []int32 // items not yet taken, best at heap[0]; valid once heaped
	heaped     bool
	// The learned scorer's buffers (see learnedScorer.scorePool), kept with the pool so
	// that a released pool's next request reuses them: the rows it scores, their feature
	// rows and each item's row.
	sel []int32
	x   []float32
	row []int32
}

// blendPools keeps released pools (see release) for the next request's newBlendPool: a
// cold request's pool of about a thousand items was a sixth of the bytes a request
// allocated, and what a request allocates sets how often the collector runs, whose mark
// phases were the serving tail at 20M events. sync.Pool drops what no request took back by
// the next collection or two, so the reuse holds no memory of its own for long.
var blendPools = sync.Pool{New: func() any { return new(blendPool) }}

// newBlendPool validates like Blend and scores every item.
func newBlendPool(lists []SourceList, opt BlendOptions) (*blendPool, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	size := 0
	for _, l := range lists {
		if l.Name == "" {
			return nil, recd.Invalid("blend.sources", "source without a name")
		}
		size += len(l.Items)
	}
	b := blendPools.Get().(*blendPool)
	b.reset(lists, opt, size)
	for k, l := range lists {
		if !slices.ContainsFunc(lists[:k], func(o SourceList) bool { return o.Name == l.Name }) {
			b.total += opt.weight(l.Name)
		}
	}
	e := 0
	for li, l := range lists {
		normalise(l.Items, opt.Normalisation, b.norm[e:e])
		for i, it := range l.Items {
			if math.IsNaN(it.Score) || math.IsInf(it.Score, 0) {
				return nil, recd.Invalid("blend.sources."+l.Name, "score of "+it.ID+" is not finite")
			}
			j, ok := b.pos[it.ID]
			if !ok {
				j = int32(len(b.ids))
				b.pos[it.ID] = j
				b.ids = append(b.ids, it.ID)
				b.head = append(b.head, int32(e))
				b.tail = append(b.tail, -1)
			} else {
				b.next[b.tail[j]] = int32(e)
			}
			b.tail[j] = int32(e)
			b.next[e] = -1
			b.entryList[e], b.entryItem[e] = int32(li), int32(i)
			e++
		}
	}
	// Scores as Blend sums them: per item, in list order, a source's better entry
	// replacing its earlier one.
	b.score = resized(b.score, len(b.ids))
	clear(b.score)
	type src struct {
		name string
		best float64
	}
	var have []src // the item's sources so far
	for j := range b.ids {
		have = have[:0]
		for e := b.head[j]; e >= 0; e = b.next[e] {
			name := lists[b.entryList[e]].Name
			n := b.norm[e]
			k := slices.IndexFunc(have, func(x src) bool { return x.name == name })
			old := 0.0
			if k >= 0 {
				if old = have[k].best; old >= n {
					continue
				}
				have[k].best = n
			} else {
				have = append(have, src{name, n})
			}
			if b.total > 0 {
				b.score[j] += opt.weight(name) * (n - old) / b.total
			}
		}
	}
	return b, nil
}

// reset makes b an empty pool of lists, with room for size entries, reusing its buffers.
func (b *blendPool) reset(lists []SourceList, opt BlendOptions, size int) {
	b.lists, b.opt, b.total, b.heaped = lists, opt, 0, false
	if b.pos == nil {
		b.pos = make(map[string]int32, size)
	}
	b.ids = slices.Grow(b.ids[:0], size)
	b.head, b.tail = slices.Grow(b.head[:0], size), slices.Grow(b.tail[:0], size)
	b.next = resized(b.next, size)
	b.entryList, b.entryItem = resized(b.entryList, size), resized(b.entryItem, size)
	b.norm = resized(b.norm, size)
}

// release gives the pool back for reuse; nothing may read it, or a slice of its buffers,
// afterwards. A nil pool is a no-op.
func (b *blendPool) release() {
	if b == nil {
		return
	}
	clear(b.pos)
	clear(b.ids) // drop the references to the lists' ids
	b.lists = nil
	blendPools.Put(b)
}

// resized returns s with length n, reusing its array when it has room; the contents are
// not cleared.
func resized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// add raises item id's score by d (the cold-item lean); unknown ids are ignored. Call it
// before the first take or peek.
func (b *blendPool) add(id string, d float64) {
	if j, ok := b.pos[id]; ok {
		b.score[j] += d
	}
}

// less orders items best first: by score, then by id (SortByScore's order).
func (b *blendPool) less(x, y int32) bool {
	if b.score[x] != b.score[y] {
		return b.score[x] > b.score[y]
	}
	return b.ids[x] < b.ids[y]
}

// len returns the number of items not yet taken.
func (b *blendPool) len() int {
	if !b.heaped {
		return len(b.ids)
	}
	return len(b.heap)
}

// peek returns the best score not yet taken (false when none).
func (b *blendPool) peek() (float64, bool) {
	b.heapify()
	if len(b.heap) == 0 {
		return 0, false
	}
	return b.score[b.heap[0]], true
}

func (b *blendPool) heapify() {
	if b.heaped {
		return
	}
	b.heap, b.heaped = resized(b.heap, len(b.ids)), true
	for j := range b.heap {
		b.heap[j] = int32(j)
	}
	for i := len(b.heap)/2 - 1; i >= 0; i-- {
		b.down(i)
	}
}

func (b *blendPool) down(i int) {
	h := b.heap
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && b.less(h[l], h[m]) {
			m = l
		}
		if r < len(h) && b.less(h[r], h[m]) {
			m = r
		}
		if m == i {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// take appends the best n items not yet taken to dst as Candidates, best first.
func (b *blendPool) take(dst []Candidate, n int) []Candidate {
	b.heapify()
	for ; n > 0 && len(b.heap) > 0; n-- {
		j := b.heap[0]
		last := len(b.heap) - 1
		b.heap[0] = b.heap[last]
		b.heap = b.heap[:last]
		b.down(0)
		dst = append(dst, b.candidate(j))
	}
	return dst
}

// candidate builds item j's Candidate as Blend builds it.
func (b *blendPool) candidate(j int32) Candidate {
	c := Candidate{ID: b.ids[j], Score: b.score[j]}
	k := 0
	for e := b.head[j]; e >= 0; e = b.next[e] {
		k++
	}
	c.Sources = make(map[string]float64, k)
	c.Reasons = make([]recd.Reason, 0, k)
	for e := b.head[j]; e >= 0; e = b.next[e] {
		l := &b.lists[b.entryList[e]]
		it := &l.Items[b.entryItem[e]]
		old, dup := c.Sources[l.Name]
		if dup && old >= b.norm[e] {
			continue
		}
		c.Sources[l.Name] = b.norm[e]
		if !dup {
			c.Reasons = append(c.Reasons, ReasonForSource(l.Name, it.Because, it.Category))
		}
	}
	return c
}
