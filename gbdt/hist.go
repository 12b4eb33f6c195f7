package gbdt

// minHessian is the smallest hessian sum a child may have; below it a leaf value would rest on
// rows that carry almost no ranking signal.
const minHessian = 1e-9

// stats sums the gradients, hessians and rows of a set of rows (a bin, a node).
type stats struct {
	g, h float64
	n    int64
}

func (s *stats) add(o stats) { s.g += o.g; s.h += o.h; s.n += o.n }

func (s stats) minus(o stats) stats { return stats{s.g - o.g, s.h - o.h, s.n - o.n} }

// score is the loss reduction of giving the rows their optimal leaf value, -g/(h+l2).
func (s stats) score(l2 float64) float64 {
	if d := s.h + l2; d > 0 {
		return s.g * s.g / d
	}
	return 0
}

// value is the optimal leaf value of the rows, before shrinkage.
func (s stats) value(l2 float64) float64 {
	if d := s.h + l2; d > 0 {
		return -s.g / d
	}
	return 0
}

// histLayout places every feature's bins in one histogram: feature f has nb[f] bins (bin 0 for
// missing values) from off[f].
type histLayout struct {
	off, nb []int
	total   int
}

func newHistLayout(b *binner) histLayout {
	l := histLayout{off: make([]int, len(b.edges)), nb: make([]int, len(b.edges))}
	for f := range b.edges {
		l.off[f] = l.total
		l.nb[f] = b.numBins(f)
		l.total += l.nb[f]
	}
	return l
}

// histogram holds the stats of every bin of every feature for the rows of one node.
type histogram []stats

func (h histogram) feature(l *histLayout, f int) []stats { return h[l.off[f] : l.off[f]+l.nb[f]] }

// buildFeature sums, for one feature, the ordered gradients gs, hs of the rows idx into hf.
func buildFeature(hf []stats, col []uint8, idx []int32, gs, hs []float64) {
	clear(hf)
	for i, r := range idx {
		b := &hf[col[r]]
		b.g += gs[i]
		b.h += hs[i]
		b.n++
	}
}

// subtractFeature turns the parent's bins into the sibling's: parent - child.
func subtractFeature(parent, child []stats) {
	for i := range parent {
		parent[i] = parent[i].minus(child[i])
	}
}

// split is a candidate split of a node: value bins 1..bin go left, the others right, missing
// values left when missLeft.
type split struct {
	feat        int
	bin         int
	missLeft    bool
	gain        float64
	left, right stats
}

// splitRules are the limits a split must keep.
type splitRules struct {
	l2      float64
	minRows int64
}

// bestSplit finds the split of one feature with the highest positive gain; ok is false when
// no split keeps the rules. Thresholds are tried in bin order, missing-right before
// missing-left, and only a strictly higher gain replaces a candidate, so the result is a
// function of the histogram alone.
func bestSplit(hf []stats, feat int, total stats, r splitRules) (best split, ok bool) {
	miss := hf[0]
	parent := total.score(r.l2)
	var left stats
	for s := 1; s < len(hf)-1; s++ {
		left.add(hf[s])
		right := total.minus(left).minus(miss)
		try := func(l, rr stats, missLeft bool) {
			if l.n < r.minRows || rr.n < r.minRows || l.h < minHessian || rr.h < minHessian {
				return
			}
			gain := l.score(r.l2) + rr.score(r.l2) - parent
			if gain > best.gain {
				best = split{feat: feat, bin: s, missLeft: missLeft, gain: gain, left: l, right: rr}
				ok = true
			}
		}
		lr := right
		lr.add(miss)
		try(left, lr, false)
		if miss.n > 0 {
			ll := left
			ll.add(miss)
			try(ll, right, true)
		}
	}
	if ok && miss.n == 0 {
		// No training row was missing here: send missing values where most rows went.
		best.missLeft = best.left.n >= best.right.n
	}
	return best, ok
}
