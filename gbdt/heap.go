package gbdt

// maxTreeDepth is the deepest tree a model may hold: prediction lays every tree out as a
// complete binary tree of its depth, 2^depth leaves.
const maxTreeDepth = 10

// heapSplit is a split in the complete layout: feature and the goesLeft rule's lo and span.
type heapSplit struct {
	feat uint16
	lo   uint8
	span uint8
}

// heapTrees lays every tree out as a complete binary tree of its depth d: 2^d - 1 splits,
// the children of slot i at 2i+1 and 2i+2, then 2^d leaf values. A leaf above the last level
// becomes splits that always go left down to a copy of its value. A walk is then d steps of
// one 4-byte load and arithmetic, with no child index to load and no branch on the data.
type heapTrees struct {
	splits   []heapSplit
	leaves   []float32
	splitOff []int32 // every tree's first split
	leafOff  []int32 // every tree's first leaf value
	depth    []uint8
}

func newHeapTrees(m *Model, q *quantTrees) heapTrees {
	var h heapTrees
	for t, root := range m.roots {
		d := int(q.depth[t])
		so, lo := len(h.splits), len(h.leaves)
		h.splitOff = append(h.splitOff, int32(so))
		h.leafOff = append(h.leafOff, int32(lo))
		h.depth = append(h.depth, uint8(d))
		h.splits = append(h.splits, make([]heapSplit, 1<<d-1)...)
		h.leaves = append(h.leaves, make([]float32, 1<<d)...)
		h.fill(m, q, root, 0, 0, d, so, lo)
	}
	return h
}

// fill places node, found at the given level of its tree, in slot.
func (h *heapTrees) fill(m *Model, q *quantTrees, node int32, slot, level, depth, so, lo int) {
	if level == depth {
		h.leaves[lo+slot-(1<<depth-1)] = m.nodes[node].val
		return
	}
	if m.nodes[node].flags&flagLeaf != 0 {
		h.splits[so+slot] = heapSplit{span: 255} // every code goes left
		h.fill(m, q, node, 2*slot+1, level+1, depth, so, lo)
		return
	}
	qn := q.nodes[node]
	h.splits[so+slot] = heapSplit{feat: qn.feat, lo: qn.lo, span: qn.span}
	h.fill(m, q, qn.child[0], 2*slot+1, level+1, depth, so, lo)
	h.fill(m, q, qn.child[1], 2*slot+2, level+1, depth, so, lo)
}

// predictCodes adds every tree's output for the quantised rows (nf codes a row) to out. It
// walks one tree at a time, level by level over all rows: the rows' steps are independent, so
// the processor overlaps their loads, and the tree stays in cache.
func (m *Model) predictCodes(codes []uint8, nf int, out []float64) {
	h := &m.quant.heap
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
				s := splits[i]
				c := int32(2)
				if goesLeft(codes[base+int(s.feat)], s.lo, s.span) {
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
