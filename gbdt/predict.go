package gbdt

import (
	"fmt"
	"slices"
)

// maxThresholds is the most distinct thresholds one feature may have over all trees, so that
// a value's position among them fits a byte next to the missing-value code 0. A trained model
// has at most Bins-1 <= 254: its thresholds are bin edges.
const maxThresholds = 254

// quantNode is a node in the layout prediction walks. Rows are first turned into codes: 0 for
// a missing value, else 1 + the number of the feature's thresholds below the value, so that
// "value <= threshold j" is "code <= j+1". A row goes to child[0] when uint8(code-lo) <= span:
// lo 0 sends the missing code left with the low codes, lo 1 sends it right. A leaf points to
// itself from both sides, so every row takes the same number of steps through a tree and the
// walk has no branch on whether a node is a leaf.
type quantNode struct {
	feat  uint16
	lo    uint8
	span  uint8
	child [2]int32
}

// quantTrees is the prediction layout of a model, derived from its nodes.
type quantTrees struct {
	thresholds [][]float32 // every feature's distinct thresholds, ascending
	nodes      []quantNode
	depth      []int32 // the longest path of every tree, in steps
}

func newQuantTrees(m *Model) (quantTrees, error) {
	q := quantTrees{thresholds: make([][]float32, m.numFeatures), nodes: make([]quantNode, len(m.nodes)), depth: make([]int32, len(m.roots))}
	for _, n := range m.nodes {
		if n.flags&flagLeaf == 0 {
			q.thresholds[n.feat] = append(q.thresholds[n.feat], n.thr)
		}
	}
	for f, t := range q.thresholds {
		slices.Sort(t)
		q.thresholds[f] = slices.Compact(t)
		if len(q.thresholds[f]) > maxThresholds {
			return q, fmt.Errorf("%w: feature %d has %d thresholds, at most %d", ErrCorrupt, f, len(q.thresholds[f]), maxThresholds)
		}
	}
	level := make([]int32, len(m.nodes))
	for t := range m.roots {
		root, end := m.treeSpan(t)
		for i := root; i < end; i++ {
			n := m.nodes[i]
			if n.flags&flagLeaf != 0 {
				q.nodes[i] = quantNode{child: [2]int32{i, i}}
				q.depth[t] = max(q.depth[t], level[i])
				continue
			}
			s, _ := slices.BinarySearch(q.thresholds[n.feat], n.thr)
			qn := quantNode{feat: n.feat, span: uint8(s + 1), child: [2]int32{n.kids, n.kids + 1}}
			if n.flags&flagMissLeft == 0 {
				qn.lo, qn.span = 1, uint8(s)
			}
			q.nodes[i] = qn
			level[n.kids], level[n.kids+1] = level[i]+1, level[i]+1
		}
	}
	return q, nil
}

// treeSpan returns the nodes of tree t: [root, end).
func (m *Model) treeSpan(t int) (root, end int32) {
	end = int32(len(m.nodes))
	if t+1 < len(m.roots) {
		end = m.roots[t+1]
	}
	return m.roots[t], end
}

// quantize writes the codes of row into codes.
func (q *quantTrees) quantize(row []float32, codes []uint8) {
	for f, v := range row {
		if v != v {
			codes[f] = 0
			continue
		}
		t := q.thresholds[f]
		lo, hi := 0, len(t)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if v <= t[m] {
				hi = m
			} else {
				lo = m + 1
			}
		}
		codes[f] = uint8(lo + 1)
	}
}

// step moves from node i one level down for a row's codes.
func (q *quantTrees) step(i int32, codes []uint8) int32 {
	n := &q.nodes[i]
	c := 1
	if codes[n.feat]-n.lo <= n.span {
		c = 0
	}
	return n.child[c&1]
}

// predictLanes is how many rows walk a tree together: their walks are independent, so the
// processor overlaps their memory loads.
const predictLanes = 8

// predictCodes adds every tree's output for the quantised rows (nf codes a row) to out, tree
// after tree, predictLanes rows at a time.
func (m *Model) predictCodes(codes []uint8, nf int, out []float64) {
	q, nodes := &m.quant, m.nodes
	n := len(out)
	for t, root := range m.roots {
		depth := q.depth[t]
		r := 0
		for ; r+predictLanes <= n; r += predictLanes {
			var cur [predictLanes]int32
			var base [predictLanes]int
			for l := range cur {
				cur[l], base[l] = root, (r+l)*nf
			}
			for range depth {
				for l := range cur {
					qn := &q.nodes[cur[l]]
					c := 1
					if codes[base[l]+int(qn.feat)]-qn.lo <= qn.span {
						c = 0
					}
					cur[l] = qn.child[c&1]
				}
			}
			for l := range cur {
				out[r+l] += float64(nodes[cur[l]].val)
			}
		}
		for ; r < n; r++ {
			i, row := root, codes[r*nf:r*nf+nf]
			for range depth {
				i = q.step(i, row)
			}
			out[r] += float64(nodes[i].val)
		}
	}
}
