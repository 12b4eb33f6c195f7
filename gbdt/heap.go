package gbdt

import (
	"fmt"
	"math"
)

// maxTreeDepth is the deepest tree a model may hold: prediction lays every tree out as a
// complete binary tree of its depth, 2^depth leaves.
const maxTreeDepth = 10

// goesLeft is the split rule of every walk: a value at or below the threshold goes left, and a
// missing value (NaN) goes left when the node's flags hold flagMissLeft.
func goesLeft(v, thr float32, flags uint8) bool {
	if v != v {
		return flags&flagMissLeft != 0
	}
	return v <= thr
}

// heapSplit is a split in the complete layout, 8 bytes.
type heapSplit struct {
	thr   float32
	feat  uint16
	flags uint8 // flagMissLeft or 0
	_     uint8
}

// heapTrees lays every tree out as a complete binary tree of its depth d: 2^d - 1 splits,
// the children of slot i at 2i+1 and 2i+2, then 2^d leaf values. A leaf above the last level
// becomes splits that send every value left, down to a copy of its value. A walk is then d
// steps of one load and arithmetic, with no child index to load and no branch that depends on
// where the row goes.
// It is derived from a model's nodes and read only.
type heapTrees struct {
	splits   []heapSplit
	leaves   []float32
	splitOff []int32 // every tree's first split
	leafOff  []int32 // every tree's first leaf value
	depth    []uint8
}

func newHeapTrees(m *Model) (heapTrees, error) {
	var h heapTrees
	level := make([]int, len(m.nodes))
	for t := range m.roots {
		root, end := m.treeSpan(t)
		d := 0
		for i := root; i < end; i++ {
			if n := m.nodes[i]; n.flags&flagLeaf == 0 {
				level[n.kids], level[n.kids+1] = level[i]+1, level[i]+1
			} else {
				d = max(d, level[i])
			}
		}
		if d > maxTreeDepth {
			return h, fmt.Errorf("%w: tree %d is %d deep, at most %d", ErrCorrupt, t, d, maxTreeDepth)
		}
		so, lo := len(h.splits), len(h.leaves)
		h.splitOff = append(h.splitOff, int32(so))
		h.leafOff = append(h.leafOff, int32(lo))
		h.depth = append(h.depth, uint8(d))
		h.splits = append(h.splits, make([]heapSplit, 1<<d-1)...)
		h.leaves = append(h.leaves, make([]float32, 1<<d)...)
		h.fill(m, root, 0, 0, d, so, lo)
	}
	return h, nil
}

// fill places node, found at the given level of its tree, in slot.
func (h *heapTrees) fill(m *Model, node int32, slot, level, depth, so, lo int) {
	if level == depth {
		h.leaves[lo+slot-(1<<depth-1)] = m.nodes[node].val
		return
	}
	n := m.nodes[node]
	if n.flags&flagLeaf != 0 {
		h.splits[so+slot] = heapSplit{thr: float32(math.Inf(1)), flags: flagMissLeft}
		h.fill(m, node, 2*slot+1, level+1, depth, so, lo)
		return
	}
	h.splits[so+slot] = heapSplit{thr: n.thr, feat: n.feat, flags: n.flags & flagMissLeft}
	h.fill(m, n.kids, 2*slot+1, level+1, depth, so, lo)
	h.fill(m, n.kids+1, 2*slot+2, level+1, depth, so, lo)
}

// predict adds every tree's output for the rows of X (nf values a row) to out. It walks one
// tree at a time, level by level over all rows: the rows' steps are independent, so the
// processor overlaps their loads, and the tree stays in cache.
func (h *heapTrees) predict(X []float32, nf int, out []float64) {
	var buf [512]int32
	cur := buf[:0]
	if len(out) > len(buf) {
		cur = make([]int32, len(out))
	}
	cur = cur[:len(out)]
	for t := range h.depth {
		d := int(h.depth[t])
		splits := h.splits[h.splitOff[t] : int(h.splitOff[t])+1<<d-1]
		leaves := h.leaves[h.leafOff[t] : int(h.leafOff[t])+1<<d]
		clear(cur)
		for range d {
			base := 0
			for r, i := range cur {
				s := &splits[i]
				c := int32(2)
				if goesLeft(X[base+int(s.feat)], s.thr, s.flags) {
					c = 1
				}
				cur[r] = 2*i + c
				base += nf
			}
		}
		first := int32(1)<<d - 1
		for r, i := range cur {
			out[r] += float64(leaves[i-first])
		}
	}
}
