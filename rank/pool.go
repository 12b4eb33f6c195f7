package rank

import (
	"math"
	"slices"

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
	heap       []int32 // items not yet taken, best at heap[0]
}

// newBlendPool validates like Blend and scores every item.
func newBlendPool(lists []SourceList, opt BlendOptions) (*blendPool, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	b := &blendPool{lists: lists, opt: opt}
	size := 0
	for k, l := range lists {
		if l.Name == "" {
			return nil, recd.Invalid("blend.sources", "source without a name")
		}
		if !slices.ContainsFunc(lists[:k], func(o SourceList) bool { return o.Name == l.Name }) {
			b.total += opt.weight(l.Name)
		}
		size += len(l.Items)
	}
	b.pos = make(map[string]int32, size)
	b.ids = make([]string, 0, size)
	b.head, b.tail = make([]int32, 0, size), make([]int32, 0, size)
	b.next = make([]int32, size)
	b.entryList, b.entryItem = make([]int32, size), make([]int32, size)
	b.norm = make([]float64, size)
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
	b.score = make([]float64, len(b.ids))
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
	if b.heap == nil {
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
	if b.heap != nil {
		return
	}
	b.heap = make([]int32, len(b.ids))
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
