package model

import (
	"cmp"
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
	r, p, ap, b, y []float64
	a              []float64 // k×k
	r32, p32, ap32 []float32 // conjugate-gradient vectors
	c1, bc, t      []float32 // per-interaction CG coefficients, grown on demand
	gather         []float32 // gathered fixed-side rows, grown on demand up to alsGatherMax
	u              []float32 // a folded-in user vector
	pairs          []facPair
}

type facPair struct {
	item int32
	w    float32
}

func newALSScratch(k int) *alsScratch {
	v := make([]float64, 5*k+k*k)
	return &alsScratch{r: v[:k:k], p: v[k : 2*k : 2*k], ap: v[2*k : 3*k : 3*k],
		b: v[3*k : 4*k : 4*k], y: v[4*k : 5*k : 5*k], a: v[5*k:], u: make([]float32, k),
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
	for n, i := range idx {
		for j, v := range other[int(i)*k : (int(i)+1)*k] {
			s.y[j] = float64(v)
		}
		c1, pref := alsConf(alpha, w[n])
		s.exactAdd(s.y, c1, pref)
	}
	s.exactSolve(s.r)
	for j, v := range s.r {
		x[j] = float32(v)
	}
}

// facMerge appends to buf the valid entries of a history sorted by item with duplicate items'
// weights summed, and returns it: items outside [0, n), NaN or infinite weights and zero totals
// are dropped. A nil weights slice, or one shorter than items, means weight 1 for the missing
// entries.
func facMerge(buf []facPair, items []int32, weights []float32, n int) []facPair {
	ps := buf[:0]
	for j, i := range items {
		if i < 0 || int(i) >= n {
			continue
		}
		w := float32(1)
		if j < len(weights) {
			w = weights[j]
		}
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			continue
		}
		ps = append(ps, facPair{i, w})
	}
	slices.SortStableFunc(ps, func(a, b facPair) int { return cmp.Compare(a.item, b.item) })
	out := ps[:0]
	for _, p := range ps {
		if len(out) > 0 && out[len(out)-1].item == p.item {
			out[len(out)-1].w += p.w
			continue
		}
		out = append(out, p)
	}
	kept := out[:0]
	for _, p := range out {
		if p.w != 0 {
			kept = append(kept, p)
		}
	}
	return kept
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
	ps := facMerge(s.pairs, items, weights, m.items.Rows)
	s.pairs = ps[:0]
	if len(ps) == 0 {
		clear(dst)
		return
	}
	s.exactBegin(m.gram)
	for _, p := range ps {
		for j, v := range m.items.Row(int(p.item)) {
			s.y[j] = float64(v)
		}
		c1, pref := alsConf(m.opts.Alpha, p.w)
		s.exactAdd(s.y, c1, pref)
	}
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
	ps := facMerge(s.pairs, items, weights, m.items.Rows)
	s.pairs = ps[:0]
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
