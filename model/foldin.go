package model

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/floats"
)

// alsScratch is the per-goroutine working memory of one row solve: a few k-vectors, a k×k
// matrix and the merged history, so that a fold-in does not allocate.
type alsScratch struct {
	r, p, ap, b    []float64
	a              []float64 // k×k
	ys             []float64 // exactBatch rows of the fixed side, exactBatch×k
	r32, p32, ap32 []float32 // conjugate-gradient vectors
	c1, bc, t      []float32 // per-interaction CG coefficients, grown on demand
	gather         []float32 // gathered fixed-side rows, grown on demand up to alsGatherMax
	u              []float32 // a folded-in user vector
	pairs          []facPair
	keys           []uint64 // facMerge's sort buffer
	sink           float32  // keeps touchRows' loads from being dropped as unused
}

type facPair struct {
	item int32
	w    float32
}

func newALSScratch(k int) *alsScratch {
	v := make([]float64, (4+exactBatch)*k+k*k)
	return &alsScratch{r: v[:k:k], p: v[k : 2*k : 2*k], ap: v[2*k : 3*k : 3*k],
		b: v[3*k : 4*k : 4*k], ys: v[4*k : (4+exactBatch)*k : (4+exactBatch)*k], a: v[(4+exactBatch)*k:],
		u:   make([]float32, k),
		r32: make([]float32, k), p32: make([]float32, k), ap32: make([]float32, k)}
}

// exactBegin starts an exact solve: A = G (YᵀY + λI), b = 0.
func (s *alsScratch) exactBegin(g []float64) {
	copy(s.a, g)
	clear(s.b)
}

// exactAdd adds one interaction with factor row yi: A += c1·yi·yiᵀ (lower triangle) and
// b += pref·(1+c1)·yi.
func (s *alsScratch) exactAdd(yi []float64, c1, pref float64) {
	k := len(yi)
	if c1 != 0 {
		for j := 0; j < k; j++ {
			if v := c1 * yi[j]; v != 0 {
				floats.AddScaled(s.a[j*k:j*k+j+1], v, yi[:j+1])
			}
		}
	}
	if pref != 0 {
		floats.AddScaled(s.b, pref*(1+c1), yi)
	}
}

// exactAddEach adds n interactions, each a factor row and an event weight given by at, as
// exactAdd would add them one after another, exactBatch at a time.
func (s *alsScratch) exactAddEach(n int, alpha float64, at func(int) ([]float32, float32)) {
	k := len(s.b)
	var c1, pref [exactBatch]float64
	for from := 0; from < n; from += exactBatch {
		if from%exactTouch == 0 {
			s.touchRows(from, min(from+exactTouch, n), at)
		}
		b := min(exactBatch, n-from)
		for m := range b {
			row, w := at(from + m)
			y := s.ys[m*k : (m+1)*k]
			for j, v := range row {
				y[j] = float64(v)
			}
			c1[m], pref[m] = alsConf(alpha, w)
		}
		s.exactAddRows(s.ys, c1[:b], pref[:b])
	}
}

// exactTouch is how many rows exactAddEach loads ahead of adding them.
const exactTouch = 4 * exactBatch

// touchRows loads a word of each cache line of the rows from..to-1 of at. The rows of a
// history are scattered over the factor matrix; loaded together, their cache misses overlap,
// where the adds would wait for each row's in turn.
func (s *alsScratch) touchRows(from, to int, at func(int) ([]float32, float32)) {
	var sink float32
	for n := from; n < to; n++ {
		row, _ := at(n)
		for j := 0; j < len(row); j += 16 { // 16 float32s a cache line
			sink += row[j]
		}
	}
	s.sink = sink
}

// exactBatch is how many interactions exactAddRows adds in one pass over A.
const exactBatch = 4

// exactAddRows adds the interactions whose factor rows are the n = len(c1) (at most
// exactBatch) k-rows of ys, as exactAdd would one after another, with the same result to the
// bit: each entry of A gets the rows' terms in the same order, but A's lower triangle is read
// and written once for the n rows, where exactAdd walks it once per row.
func (s *alsScratch) exactAddRows(ys []float64, c1, pref []float64) {
	k := len(s.b)
	if len(c1) < exactBatch {
		for n := range c1 {
			s.exactAdd(ys[n*k:(n+1)*k], c1[n], pref[n])
		}
		return
	}
	if useGramAVX2 {
		_, _ = s.a[k*k-1], ys[exactBatch*k-1] // the kernel reads and writes inside these
		gramAdd4AVX2(&s.a[0], k, &ys[0], &c1[0])
	} else {
		s.exactAddRowsGo(ys, c1)
	}
	for n := range c1 {
		if pref[n] != 0 {
			floats.AddScaled(s.b, pref[n]*(1+c1[n]), ys[n*k:(n+1)*k])
		}
	}
}

// exactAddRowsGo is exactAddRows' update of A in Go, four rows at a time.
func (s *alsScratch) exactAddRowsGo(ys []float64, c1 []float64) {
	k := len(s.b)
	y0, y1, y2, y3 := ys[:k], ys[k:2*k], ys[2*k:3*k], ys[3*k:4*k]
	for j := 0; j < k; j++ {
		v0, v1, v2, v3 := c1[0]*y0[j], c1[1]*y1[j], c1[2]*y2[j], c1[3]*y3[j]
		row := s.a[j*k : j*k+j+1]
		a0, a1, a2, a3 := y0[:len(row)], y1[:len(row)], y2[:len(row)], y3[:len(row)]
		for i, x := range row {
			// Each product rounded on its own, as exactAdd's floats.AddScaled rounds it:
			// the explicit conversions keep the compiler from fusing a multiply-add.
			x += float64(v0 * a0[i])
			x += float64(v1 * a1[i])
			x += float64(v2 * a2[i])
			x += float64(v3 * a3[i])
			row[i] = x
		}
	}
}

// exactSolve solves A x = b into x; on a numerical failure x is set to zero.
func (s *alsScratch) exactSolve(x []float64) {
	if !facCholSolve(s.a, len(x), s.b) {
		clear(x)
		return
	}
	copy(x, s.b)
}

// exact solves a training row exactly (CGSteps == 0) into x.
func (s *alsScratch) exact(x []float32, g []float64, other []float32, idx []int32, w []float32, alpha float64) {
	k := len(x)
	s.exactBegin(g)
	s.exactAddEach(len(idx), alpha, func(n int) ([]float32, float32) {
		i := int(idx[n])
		return other[i*k : (i+1)*k], w[n]
	})
	s.exactSolve(s.r)
	for j, v := range s.r {
		x[j] = float32(v)
	}
}

// facMerge appends to buf the valid entries of a history sorted by item with duplicate items'
// weights summed, and returns it with keys, its sort buffer, for reuse: items outside [0, n),
// NaN or infinite weights and zero totals are dropped. A nil weights slice, or one shorter
// than items, means weight 1 for the missing entries. Duplicates are summed in history order.
func facMerge(buf []facPair, keys []uint64, items []int32, weights []float32, n int) ([]facPair, []uint64) {
	weight := func(j int) float32 {
		if j < len(weights) {
			return weights[j]
		}
		return 1
	}
	// (item, place in the history) as one integer: sorting them orders the entries by item
	// and keeps a duplicate item's entries in history order, as a stable sort would, without
	// a comparison function (a heavy user's fold-in sorts thousands).
	keys = keys[:0]
	for j, i := range items {
		if w := float64(weight(j)); i < 0 || int(i) >= n || math.IsNaN(w) || math.IsInf(w, 0) {
			continue
		}
		keys = append(keys, uint64(i)<<32|uint64(j))
	}
	slices.Sort(keys)
	out := buf[:0]
	for _, key := range keys {
		i, w := int32(key>>32), weight(int(uint32(key)))
		if len(out) > 0 && out[len(out)-1].item == i {
			out[len(out)-1].w += w
			continue
		}
		out = append(out, facPair{i, w})
	}
	kept := out[:0]
	for _, p := range out {
		if p.w != 0 {
			kept = append(kept, p)
		}
	}
	return kept, keys
}

func (m *ALS) scratch() *alsScratch {
	if v := m.pool.Get(); v != nil {
		return v.(*alsScratch)
	}
	return newALSScratch(m.opts.Factors)
}

// FoldIn returns a user vector solved exactly from a history against the current item factors:
// the one k×k system of an ALS user step, (YᵀY + λI + Σ c1·y·yᵀ) x = Σ p·c·y. items are item
// indexes of the training Dataset and weights their event weights (nil means 1 each);
// duplicates are summed, negative totals count as dislikes (preference 0, confidence
// 1 + Alpha·|w|), and out-of-range items or non-finite weights are ignored. An empty history, or
// a model that is not trained, gives the zero vector. It costs O(len(items)·k² + k³).
func (m *ALS) FoldIn(items []int32, weights []float32) []float32 {
	return m.FoldInTo(nil, items, weights)
}

// FoldInTo is FoldIn writing into dst when cap(dst) >= Factors (it then does not allocate);
// it returns the vector.
func (m *ALS) FoldInTo(dst []float32, items []int32, weights []float32) []float32 {
	k := m.opts.Factors
	if cap(dst) < k {
		dst = make([]float32, k)
	}
	dst = dst[:k]
	if m.items.Rows == 0 {
		clear(dst)
		return dst
	}
	s := m.scratch()
	m.foldIn(s, dst, items, weights)
	m.pool.Put(s)
	return dst
}

func (m *ALS) foldIn(s *alsScratch, dst []float32, items []int32, weights []float32) {
	ps, keys := facMerge(s.pairs, s.keys, items, weights, m.items.Rows)
	s.pairs, s.keys = ps[:0], keys[:0]
	if len(ps) == 0 {
		clear(dst)
		return
	}
	s.exactBegin(m.gram)
	s.exactAddEach(len(ps), m.opts.Alpha, func(n int) ([]float32, float32) {
		return m.items.Row(int(ps[n].item)), ps[n].w
	})
	s.exactSolve(s.r)
	for j, v := range s.r {
		dst[j] = float32(v)
	}
}

// Score writes dot(user, item) for every item into dst (entries beyond the model's items are
// zeroed). The user's vector is the trained one when u is a trained user whose history is
// unchanged, and is folded in from items and weights otherwise (u = -1 for an unknown user).
// It does not allocate in the steady state.
func (m *ALS) Score(u int, items []int32, weights []float32, dst []float32) {
	n := min(len(dst), m.items.Rows)
	clear(dst[n:])
	if n == 0 {
		return
	}
	k := m.opts.Factors
	var uv []float32
	s := m.scratch()
	defer m.pool.Put(s)
	if u < m.users.Rows && facTrainedRow(m.trainPtr, m.trainItems, m.trainW, u, items, weights) {
		uv = m.users.Row(u)
	} else {
		uv = s.u
		m.foldIn(s, uv, items, weights)
	}
	blas32.Implementation().Sgemv(blas.NoTrans, n, k, 1, m.items.Data[:n*k], k, uv, 1, 0, dst[:n], 1)
}

// bprScratch is the working memory of a BPR fold-in.
type bprScratch struct {
	u     []float32
	pairs []facPair
	keys  []uint64 // facMerge's sort buffer
	row   []int32
}

func (m *BPR) scratch() *bprScratch {
	if v := m.pool.Get(); v != nil {
		return v.(*bprScratch)
	}
	return &bprScratch{u: make([]float32, m.opts.Factors)}
}

// FoldIn returns a user vector fitted to a history with the item factors and biases fixed:
// FoldInEpochs passes of BPR SGD from the zero vector over the history's positive items (total
// weight > 0; duplicates summed, out-of-range items and non-finite weights ignored), with
// negatives drawn from the other items by a generator seeded from Seed, so the result is a
// deterministic function of the history. An empty history gives the zero vector. It costs
// O(FoldInEpochs·len(items)·k).
func (m *BPR) FoldIn(items []int32, weights []float32) []float32 {
	return m.FoldInTo(nil, items, weights)
}

// FoldInTo is FoldIn writing into dst when cap(dst) >= Factors; it returns the vector.
func (m *BPR) FoldInTo(dst []float32, items []int32, weights []float32) []float32 {
	k := m.opts.Factors
	if cap(dst) < k {
		dst = make([]float32, k)
	}
	dst = dst[:k]
	if m.items.Rows == 0 {
		clear(dst)
		return dst
	}
	s := m.scratch()
	m.foldIn(s, dst, items, weights)
	m.pool.Put(s)
	return dst
}

func (m *BPR) foldIn(s *bprScratch, dst []float32, items []int32, weights []float32) []float32 {
	ps, keys := facMerge(s.pairs, s.keys, items, weights, m.items.Rows)
	s.pairs, s.keys = ps[:0], keys[:0]
	row := s.row[:0]
	for _, p := range ps {
		if p.w > 0 {
			row = append(row, p.item)
		}
	}
	s.row = row[:0]
	clear(dst)
	if len(row) == 0 {
		return dst
	}
	o := m.opts
	var pcg rand.PCG
	pcg.Seed(o.Seed, 0x666f6c64) // "fold"
	for ep := 0; ep < o.FoldInEpochs; ep++ {
		lr := float32(o.LearningRate * (1 - 0.9*float64(ep)/float64(max(1, o.FoldInEpochs-1))))
		for range row {
			i := int(row[facBounded(&pcg, len(row))])
			j, ok := bprNegative(&pcg, nil, m.items.Rows, row)
			if !ok {
				continue
			}
			bi, bj := m.bias[i], m.bias[j]
			bprStep(dst, m.items.Row(i), m.items.Row(j), &bi, &bj, lr, float32(o.Lambda), false, false)
		}
	}
	return dst
}
