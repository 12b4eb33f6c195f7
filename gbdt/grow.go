package gbdt

// growNode is a node of the tree being grown, its split in bins. A leaf has leaf set; an inner
// node sends bins 1..bin (and bin 0, the missing values, when missLeft) to kids, the rest to
// kids+1. val is the node's shrunk value, gain the loss reduction of its split.
type growNode struct {
	feat     int
	bin      uint8
	missLeft bool
	leaf     bool
	kids     int32
	val      float32
	gain     float64
}

// leafState is a leaf that may still be split: its rows are idx[begin:end].
type leafState struct {
	node       int32
	begin, end int
	depth      int
	total      stats
	hist       histogram // nil once the leaf cannot split
	best       split
	canSplit   bool
}

// grower grows one tree at a time over the quantised training set, reusing its buffers. It is
// used by one goroutine, which fans the per-feature work out to p.workers.
type grower struct {
	p       Params
	workers int
	rules   splitRules
	cols    [][]uint8
	layout  histLayout
	g, h    []float64 // every row's gradient and hessian, set by the trainer each round
	gs, hs  []float64 // the gradients of one leaf's rows, in row order
	tmp     []int32
	free    []histogram
	bests   []split
	oks     []bool
}

func newGrower(p Params, workers int, cols [][]uint8, layout histLayout, g, h []float64) *grower {
	rows := len(g)
	return &grower{
		p: p, workers: workers, cols: cols, layout: layout, g: g, h: h,
		rules: splitRules{l2: p.L2, minRows: int64(p.MinLeafRows)},
		gs:    make([]float64, rows), hs: make([]float64, rows), tmp: make([]int32, 0, rows),
		bests: make([]split, len(cols)), oks: make([]bool, len(cols)),
	}
}

// leafRows says which rows a leaf of a grown tree holds: idx[begin:end] of the rows grow was
// given.
type leafRows struct {
	node       int32
	begin, end int
}

// grow grows one tree on the rows idx (ascending; reordered in place) using the features
// feats, best leaf first, and returns its nodes, the root first, and where its leaves' rows
// lie in idx.
func (gr *grower) grow(idx []int32, feats []int) ([]growNode, []leafRows) {
	var total stats
	for _, r := range idx {
		total.g += gr.g[r]
		total.h += gr.h[r]
	}
	total.n = int64(len(idx))
	nodes := []growNode{{leaf: true, val: gr.value(total)}}
	root := leafState{begin: 0, end: len(idx), total: total}
	if gr.splittable(&root) {
		root.hist = gr.alloc()
		gr.scan(&root, feats, func(f int) { gr.buildFeature(&root, idx, f) }, idx)
	}
	leaves := []leafState{root}
	for len(leaves) < gr.p.MaxLeaves {
		bi := -1
		for i := range leaves {
			if leaves[i].canSplit && (bi < 0 || leaves[i].best.gain > leaves[bi].best.gain) {
				bi = i
			}
		}
		if bi < 0 {
			break
		}
		left, right := gr.split(&leaves[bi], idx, feats, &nodes)
		leaves[bi] = left
		leaves = append(leaves, right)
	}
	rows := make([]leafRows, len(leaves))
	for i := range leaves {
		gr.release(&leaves[i])
		rows[i] = leafRows{leaves[i].node, leaves[i].begin, leaves[i].end}
	}
	return nodes, rows
}

// split splits leaf l by its best split, appends its children to nodes and returns them with
// their histograms and best splits found.
func (gr *grower) split(l *leafState, idx []int32, feats []int, nodes *[]growNode) (left, right leafState) {
	sp := l.best
	mid := l.begin + gr.partition(idx[l.begin:l.end], sp)
	kids := int32(len(*nodes))
	n := &(*nodes)[l.node]
	n.leaf, n.feat, n.bin, n.missLeft, n.kids, n.gain = false, sp.feat, uint8(sp.bin), sp.missLeft, kids, sp.gain
	*nodes = append(*nodes, growNode{leaf: true, val: gr.value(sp.left)}, growNode{leaf: true, val: gr.value(sp.right)})
	left = leafState{node: kids, begin: l.begin, end: mid, depth: l.depth + 1, total: sp.left}
	right = leafState{node: kids + 1, begin: mid, end: l.end, depth: l.depth + 1, total: sp.right}
	parent := l.hist
	l.hist = nil
	if !gr.splittable(&left) && !gr.splittable(&right) {
		gr.free = append(gr.free, parent)
		return left, right
	}
	small, large := &left, &right
	if right.total.n < left.total.n {
		small, large = &right, &left
	}
	small.hist = gr.alloc()
	gr.scan(small, feats, func(f int) { gr.buildFeature(small, idx, f) }, idx)
	large.hist = parent
	gr.scan(large, feats, func(f int) {
		subtractFeature(large.hist.feature(&gr.layout, f), small.hist.feature(&gr.layout, f))
	}, nil)
	if !gr.splittable(small) {
		gr.release(small)
	}
	if !gr.splittable(large) {
		gr.release(large)
	}
	return left, right
}

func (gr *grower) splittable(l *leafState) bool {
	return l.depth < gr.p.MaxDepth && l.total.n >= 2*int64(gr.p.MinLeafRows)
}

func (gr *grower) value(s stats) float32 {
	return float32(gr.p.LearningRate * s.value(gr.p.L2))
}

// scan fills the leaf's histogram for every feature with fill (in parallel over features) and
// keeps the best split, reducing in feature order. When idx is given, the leaf's gradients are
// gathered in row order first, for fill to read.
func (gr *grower) scan(l *leafState, feats []int, fill func(f int), idx []int32) {
	if idx != nil {
		rows := idx[l.begin:l.end]
		for i, r := range rows {
			gr.gs[i] = gr.g[r]
			gr.hs[i] = gr.h[r]
		}
	}
	workers := gr.workers
	if (l.end-l.begin)*len(feats) < 20000 {
		workers = 1
	}
	splittable := gr.splittable(l)
	parallelFor(workers, len(feats), func(k int) {
		f := feats[k]
		fill(f)
		gr.oks[k] = false
		if splittable {
			gr.bests[k], gr.oks[k] = bestSplit(l.hist.feature(&gr.layout, f), f, l.total, gr.rules)
		}
	})
	l.canSplit = false
	for k := range feats {
		if gr.oks[k] && (!l.canSplit || gr.bests[k].gain > l.best.gain) {
			l.best, l.canSplit = gr.bests[k], true
		}
	}
}

func (gr *grower) buildFeature(l *leafState, idx []int32, f int) {
	n := l.end - l.begin
	buildFeature(l.hist.feature(&gr.layout, f), gr.cols[f], idx[l.begin:l.end], gr.gs[:n], gr.hs[:n])
}

// partition moves the rows that go left to the front, keeping their order, and returns how
// many there are.
func (gr *grower) partition(rows []int32, sp split) int {
	col, bin := gr.cols[sp.feat], uint8(sp.bin)
	right := gr.tmp[:0]
	n := 0
	for _, r := range rows {
		if b := col[r]; (b == 0 && sp.missLeft) || (b != 0 && b <= bin) {
			rows[n] = r
			n++
		} else {
			right = append(right, r)
		}
	}
	copy(rows[n:], right)
	return n
}

func (gr *grower) alloc() histogram {
	if k := len(gr.free); k > 0 {
		h := gr.free[k-1]
		gr.free = gr.free[:k-1]
		return h
	}
	return make(histogram, gr.layout.total)
}

func (gr *grower) release(l *leafState) {
	if l.hist != nil {
		gr.free = append(gr.free, l.hist)
		l.hist = nil
	}
	l.canSplit = false
}

// leafOfBins walks a grown tree to the leaf of row r of the quantised set.
func leafOfBins(nodes []growNode, cols [][]uint8, r int) int32 {
	i := int32(0)
	for {
		n := &nodes[i]
		if n.leaf {
			return i
		}
		if b := cols[n.feat][r]; (b == 0 && n.missLeft) || (b != 0 && b <= n.bin) {
			i = n.kids
		} else {
			i = n.kids + 1
		}
	}
}
