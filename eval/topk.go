package eval

import (
	"container/heap"
	"math"
)

// scored is an item and its score; the heap keeps the worst of the current top k on top.
type scored struct {
	item  int32
	score float32
}

type minHeap []scored

func (h minHeap) Len() int { return len(h) }
func (h minHeap) Less(a, b int) bool {
	return worse(h[a], h[b])
}
func (h minHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *minHeap) Push(x any)   { *h = append(*h, x.(scored)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// worse orders by score, then prefers the lower item index, so rankings are deterministic.
// NaN scores rank below everything.
func worse(a, b scored) bool {
	an, bn := math.IsNaN(float64(a.score)), math.IsNaN(float64(b.score))
	if an != bn {
		return an
	}
	if a.score != b.score {
		return a.score < b.score
	}
	return a.item > b.item
}

// topKExcluding returns the k best items by score, best first, skipping excluded items.
func topKExcluding(scores []float32, k int, exclude map[int32]bool) []int32 {
	h := make(minHeap, 0, k+1)
	for i, s := range scores {
		it := int32(i)
		if exclude[it] {
			continue
		}
		c := scored{it, s}
		if len(h) < k {
			heap.Push(&h, c)
		} else if worse(h[0], c) {
			h[0] = c
			heap.Fix(&h, 0)
		}
	}
	out := make([]int32, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(scored).item
	}
	return out
}
