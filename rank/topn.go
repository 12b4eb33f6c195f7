package rank

import "sort"

// topN returns the indexes of the n highest positive scores for which keep is true, best first.
func topN(scores []float32, n int, keep func(int32) bool) []int32 {
	if n <= 0 {
		return nil
	}
	t := topHeap{scores: scores, n: n, h: make([]int32, 0, n+1)}
	for i := range scores {
		t.offer(int32(i), keep)
	}
	return t.sorted()
}

// topNAmong is topN over the given indexes of scores only (each at most once).
func topNAmong(scores []float32, among []int32, n int, keep func(int32) bool) []int32 {
	if n <= 0 {
		return nil
	}
	t := topHeap{scores: scores, n: n, h: make([]int32, 0, min(n, len(among))+1)}
	for _, i := range among {
		t.offer(i, keep)
	}
	return t.sorted()
}

// topHeap keeps the n best indexes offered, by score and then by lower index (a total
// order, so the result does not depend on the order of the offers).
type topHeap struct {
	scores []float32
	n      int
	h      []int32 // min-heap: the worst kept at h[0]
}

func (t *topHeap) less(a, b int32) bool {
	if t.scores[a] != t.scores[b] {
		return t.scores[a] < t.scores[b]
	}
	return a > b
}

func (t *topHeap) offer(i int32, keep func(int32) bool) {
	s := t.scores[i]
	if s <= 0 || (len(t.h) == t.n && !t.less(t.h[0], i)) {
		return
	}
	if !keep(i) {
		return
	}
	h := append(t.h, i)
	for c := len(h) - 1; c > 0; { // sift up
		par := (c - 1) / 2
		if !t.less(h[c], h[par]) {
			break
		}
		h[c], h[par] = h[par], h[c]
		c = par
	}
	if len(h) > t.n {
		h[0] = h[len(h)-1]
		h = h[:len(h)-1]
		for c := 0; ; { // sift down
			l, r, m := 2*c+1, 2*c+2, c
			if l < len(h) && t.less(h[l], h[m]) {
				m = l
			}
			if r < len(h) && t.less(h[r], h[m]) {
				m = r
			}
			if m == c {
				break
			}
			h[c], h[m] = h[m], h[c]
			c = m
		}
	}
	t.h = h
}

func (t *topHeap) sorted() []int32 {
	h := t.h
	sort.Slice(h, func(a, b int) bool { return t.less(h[b], h[a]) })
	return h
}
