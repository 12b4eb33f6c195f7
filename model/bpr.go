package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/recd/recd"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// BPROptions configures Bayesian personalised ranking (Rendle et al. 2009): matrix
// factorisation with item biases, trained by SGD on (user, positive, negative) triples whose
// positive is drawn uniformly from the interactions and whose negative is drawn uniformly from
// the items the user has not interacted with (within the positive's item block of a random
// partition redrawn every epoch; see bprBlocks). Interaction weights only select positives
// (w > 0).
type BPROptions struct {
	// Factors is the latent dimension k. Default 64.
	Factors int `json:"factors" yaml:"factors"`
	// Epochs is the number of passes; each draws as many triples as there are interactions.
	// Default 100.
	Epochs int `json:"epochs" yaml:"epochs"`
	// LearningRate is the SGD step size, decayed linearly to a tenth by the last epoch.
	// Default 0.1.
	LearningRate float64 `json:"learning_rate" yaml:"learning_rate"`
	// Lambda is the L2 regularisation of the factors and item biases. Default 0.01.
	Lambda float64 `json:"lambda" yaml:"lambda"`
	// InitStdDev is the standard deviation of the random initial factors. Default 0.1.
	InitStdDev float64 `json:"init_std_dev" yaml:"init_std_dev"`
	// Seed seeds the initial factors and the sampling.
	Seed uint64 `json:"seed" yaml:"seed"`
	// Workers is the number of goroutines; 0 means GOMAXPROCS. Training follows a stratified
	// schedule whose result does not depend on it.
	Workers int `json:"workers" yaml:"workers"`
	// FoldInEpochs is the number of SGD passes over a history when a user's vector is folded
	// in at scoring time (item factors fixed). Default 20.
	FoldInEpochs int `json:"fold_in_epochs" yaml:"fold_in_epochs"`
	// Progress, if set, is called after each epoch (1-based) with the mean BPR loss
	// −ln σ(x_uij) of the epoch's triples and the time since Fit started.
	Progress func(iter int, loss float64, elapsed time.Duration) `json:"-" yaml:"-"`
}

// DefaultBPROptions returns the defaults.
func DefaultBPROptions() BPROptions {
	return BPROptions{Factors: 64, Epochs: 100, LearningRate: 0.1, Lambda: 0.01,
		InitStdDev: 0.1, Seed: 1, FoldInEpochs: 20}
}

// Validate reports the first option that is out of range as a *recd.FieldError.
func (o BPROptions) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case o.Factors < 1 || o.Factors > alsMaxFactors:
		return recd.Invalid("factors", fmt.Sprintf("must be in [1, %d]", alsMaxFactors))
	case o.Epochs < 0:
		return recd.Invalid("epochs", "must not be negative")
	case !(o.LearningRate > 0) || !finite(o.LearningRate):
		return recd.Invalid("learning_rate", "must be a finite number > 0")
	case !(o.Lambda >= 0) || !finite(o.Lambda):
		return recd.Invalid("lambda", "must be a finite number >= 0")
	case !(o.InitStdDev >= 0) || !finite(o.InitStdDev):
		return recd.Invalid("init_std_dev", "must be a finite number >= 0")
	case o.FoldInEpochs < 0:
		return recd.Invalid("fold_in_epochs", "must not be negative")
	}
	return nil
}

// BPR is a pairwise-ranking matrix factorisation model; score(u, i) = user·item + bias_i.
// Fit is parallel and deterministic for the options. Fit must not run concurrently with
// any other method; after Fit (or UnmarshalBinary) returns, the other methods are safe for
// concurrent use. UnmarshalBinary follows the same rule as Fit.
type BPR struct {
	opts  BPROptions
	users Factors
	items Factors
	bias  []float32
	// vectors are the item factors with the bias appended, for the cf space.
	vectors Factors
	// Training rows (nil after UnmarshalBinary), to recognise an unchanged history in Score.
	trainPtr   []int32
	trainItems []int32
	trainW     []float32
	pool       sync.Pool // *bprScratch
}

var _ Recommender = (*BPR)(nil)

// NewBPR returns an untrained BPR with the given options; Fit validates them.
func NewBPR(opts BPROptions) *BPR { return &BPR{opts: opts} }

// Name returns "bpr".
func (m *BPR) Name() string { return "bpr" }

// Options returns the model's options.
func (m *BPR) Options() BPROptions { return m.opts }

// UserFactors returns the trained user vectors by user index. Shared; must not be modified.
func (m *BPR) UserFactors() Factors { return m.users }

// ItemFactors returns the item vectors by item index, without the biases. Shared; must not be
// modified.
func (m *BPR) ItemFactors() Factors { return m.items }

// ItemBias returns the item biases by item index. Shared; must not be modified.
func (m *BPR) ItemBias() []float32 { return m.bias }

// Fit trains on d on up to Workers goroutines; the result is the same for any worker count. It
// returns ctx's error, wrapped, if ctx ends first (checked between cells).
func (m *BPR) Fit(ctx context.Context, d *Dataset) error {
	o := m.opts
	if err := o.Validate(); err != nil {
		return fmt.Errorf("fit bpr: %w", err)
	}
	if err := facCheckDataset(d); err != nil {
		return fmt.Errorf("fit bpr: %w", err)
	}
	start := time.Now()
	k, nu, ni := o.Factors, d.NumUsers(), d.NumItems()
	rng := rand.New(rand.NewPCG(o.Seed, 0x627072)) // "bpr"
	users := Factors{Rows: nu, Dim: k, Data: make([]float32, nu*k)}
	items := Factors{Rows: ni, Dim: k, Data: make([]float32, ni*k)}
	for _, f := range [][]float32{users.Data, items.Data} {
		for i := range f {
			f[i] = float32(rng.NormFloat64() * o.InitStdDev)
		}
	}
	bias := make([]float32, ni)
	// The positives: interactions of positive weight, with their users.
	var posUser, posItem []int32
	for u := 0; u < nu; u++ {
		idx, w := d.UserRow(u)
		for n, i := range idx {
			if w[n] > 0 {
				posUser = append(posUser, int32(u))
				posItem = append(posItem, i)
			}
		}
	}
	np := len(posUser)
	const nb = bprBlocks
	var st bprStrata
	cellLoss := make([]float64, nb*nb)
	for ep := 1; ep <= o.Epochs && np > 0; ep++ {
		lr := float32(o.LearningRate * (1 - 0.9*float64(ep-1)/float64(max(1, o.Epochs-1))))
		st.shuffle(rng, nu, ni, posUser, posItem)
		for s := 0; s < nb; s++ {
			// Cells (b, b+s mod nb) share no user and no item, so they run in parallel and the
			// result does not depend on the schedule.
			facParallel(nb, o.Workers, 1, func(_, lo, hi int) {
				for b := lo; b < hi; b++ {
					if ctx.Err() != nil {
						return
					}
					c := b*nb + (b+s)%nb
					cellLoss[c] = m.fitCell(&st, c, ep, d, posUser, posItem, users, items, bias, lr)
				}
			})
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("fit bpr: epoch %d: %w", ep, err)
			}
		}
		if o.Progress != nil {
			loss := 0.0
			for _, l := range cellLoss {
				loss += l
			}
			o.Progress(ep, loss/float64(np), time.Since(start))
		}
	}
	m.users, m.items, m.bias = users, items, bias
	m.vectors = bprVectors(items, bias)
	m.trainPtr, m.trainItems, m.trainW = d.UserPtr, d.UserItems, d.UserWeights
	return nil
}

// bprBlocks is the number of user and item blocks of the stratified schedule (Gemulla et al.
// 2011): each epoch runs bprBlocks sub-epochs of bprBlocks cells that touch disjoint users and
// items. It is fixed, not derived from Workers, so the result is the same for any worker count.
const bprBlocks = 16

// bprStrata is one epoch's random partition of users and items into blocks, with the positives
// grouped by (user block, item block) cell.
type bprStrata struct {
	userBlock, itemBlock []uint8
	cells                [][]int32 // positives (indexes into posUser/posItem) by cell b*nb+c
	flat                 []int32
	blockItems           [][]int32 // items of each item block, ascending
	perm                 []int
}

// shuffle draws a new partition from rng and regroups the positives.
func (st *bprStrata) shuffle(rng *rand.Rand, nu, ni int, posUser, posItem []int32) {
	const nb = bprBlocks
	if st.cells == nil {
		st.userBlock, st.itemBlock = make([]uint8, nu), make([]uint8, ni)
		st.cells, st.flat = make([][]int32, nb*nb), make([]int32, len(posUser))
		st.blockItems = make([][]int32, nb)
		st.perm = make([]int, max(nu, ni))
	}
	assign := func(dst []uint8) {
		p := st.perm[:len(dst)]
		for i := range p {
			p[i] = i
		}
		rng.Shuffle(len(p), func(a, b int) { p[a], p[b] = p[b], p[a] })
		for i, v := range p {
			dst[i] = uint8(v % nb)
		}
	}
	assign(st.userBlock)
	assign(st.itemBlock)
	var counts [nb * nb]int
	for n, u := range posUser {
		counts[int(st.userBlock[u])*nb+int(st.itemBlock[posItem[n]])]++
	}
	off := 0
	for c := range st.cells {
		st.cells[c] = st.flat[off : off : off+counts[c]]
		off += counts[c]
	}
	for n, u := range posUser {
		c := int(st.userBlock[u])*nb + int(st.itemBlock[posItem[n]])
		st.cells[c] = append(st.cells[c], int32(n))
	}
	for b := range st.blockItems {
		st.blockItems[b] = st.blockItems[b][:0]
	}
	for i, b := range st.itemBlock {
		st.blockItems[b] = append(st.blockItems[b], int32(i))
	}
}

// fitCell runs as many SGD steps as cell c has positives, each on a positive drawn uniformly
// from the cell and a negative drawn uniformly from the cell's item block, with a generator
// seeded by (Seed, epoch, cell). It returns the summed loss when Progress is set.
func (m *BPR) fitCell(st *bprStrata, c, ep int, d *Dataset, posUser, posItem []int32,
	users, items Factors, bias []float32, lr float32) float64 {
	cell := st.cells[c]
	if len(cell) == 0 {
		return 0
	}
	o := m.opts
	block := st.blockItems[c%bprBlocks]
	var pcg rand.PCG
	pcg.Seed(o.Seed^0x62707263656c6c, uint64(ep)<<32|uint64(c)) // "bprcell"
	loss := 0.0
	for range cell {
		n := cell[facBounded(&pcg, len(cell))]
		u, i := int(posUser[n]), int(posItem[n])
		row, _ := d.UserRow(u)
		j, ok := bprNegative(&pcg, block, 0, row)
		if !ok {
			continue
		}
		loss += bprStep(users.Row(u), items.Row(i), items.Row(j), &bias[i], &bias[j],
			lr, float32(o.Lambda), true, o.Progress != nil)
	}
	return loss
}

// bprNegative draws an item uniformly from candidates (item indexes), or from [0, n) when
// candidates is nil, that is not in the sorted row, giving up after a bounded number of tries
// (for users who have interacted with nearly all of them).
func bprNegative(pcg *rand.PCG, candidates []int32, n int, row []int32) (int, bool) {
	if candidates != nil {
		n = len(candidates)
	}
	for try := 0; try < 32 && n > 0; try++ {
		j := int32(facBounded(pcg, n))
		if candidates != nil {
			j = candidates[j]
		}
		if _, found := slices.BinarySearch(row, j); !found {
			return int(j), true
		}
	}
	return 0, false
}

// facBounded returns a number in [0, n) for 0 < n < 2³² by Lemire's multiply-shift (with a
// bias below 2⁻³², irrelevant for sampling).
func facBounded(pcg *rand.PCG, n int) int {
	return int((pcg.Uint64() >> 32) * uint64(n) >> 32)
}

// bprStep applies one SGD step for the triple (u, i, j) and, if wantLoss, returns its loss
// −ln σ(x_uij). Item factors and biases are updated only when items is true (fold-in keeps them
// fixed).
func bprStep(xu, xi, xj []float32, bi, bj *float32, lr, reg float32, items, wantLoss bool) float64 {
	xi, xj = xi[:len(xu)], xj[:len(xu)]
	// Four accumulators break the add dependency chain.
	var s0, s1, s2, s3 float32
	f := 0
	for ; f+4 <= len(xu); f += 4 {
		s0 += xu[f] * (xi[f] - xj[f])
		s1 += xu[f+1] * (xi[f+1] - xj[f+1])
		s2 += xu[f+2] * (xi[f+2] - xj[f+2])
		s3 += xu[f+3] * (xi[f+3] - xj[f+3])
	}
	for ; f < len(xu); f++ {
		s0 += xu[f] * (xi[f] - xj[f])
	}
	x := *bi - *bj + (s0 + s1) + (s2 + s3)
	ex := math.Exp(float64(x))
	g := float32(1 / (1 + ex)) // σ(−x)
	if items {
		for f, uf := range xu {
			vi, vj := xi[f], xj[f]
			xu[f] += lr * (g*(vi-vj) - reg*uf)
			xi[f] += lr * (g*uf - reg*vi)
			xj[f] += lr * (-g*uf - reg*vj)
		}
		*bi += lr * (g - reg**bi)
		*bj += lr * (-g - reg**bj)
	} else {
		for f, uf := range xu {
			xu[f] += lr * (g*(xi[f]-xj[f]) - reg*uf)
		}
	}
	if !wantLoss {
		return 0
	}
	switch {
	case x < -30: // ln(1+e^−x) ≈ −x
		return -float64(x)
	case x > 30: // ≈ e^−x, where ln(1+e^x) − x would cancel
		return math.Exp(-float64(x))
	}
	return math.Log1p(ex) - float64(x)
}

// Score writes user·item + bias for every item into dst (entries beyond the model's items are
// zeroed). A trained user with an unchanged history uses the trained vector; otherwise (u = -1,
// or a history that changed) the vector is folded in from the history.
func (m *BPR) Score(u int, items []int32, weights []float32, dst []float32) {
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
		uv = m.foldIn(s, s.u, items, weights)
	}
	copy(dst[:n], m.bias[:n])
	blas32.Implementation().Sgemv(blas.NoTrans, n, k, 1, m.items.Data[:n*k], k, uv, 1, 1, dst[:n], 1)
}

const (
	bprMagic   = "RBPR"
	bprVersion = 1
)

// MarshalBinary encodes the options (without Progress) and the factors and biases with a
// version header and a checksum. The training rows are not included, so a decoded model folds
// every user in from the history given to Score.
func (m *BPR) MarshalBinary() ([]byte, error) {
	o := m.opts
	e := &facEncoder{buf: make([]byte, 0, 96+4*(len(m.users.Data)+len(m.items.Data)+len(m.bias)))}
	e.buf = append(e.buf, bprMagic...)
	e.buf = append(e.buf, bprVersion, 0)
	e.u32(uint32(o.Factors))
	e.u32(uint32(o.Epochs))
	e.u32(uint32(o.FoldInEpochs))
	e.f64(o.LearningRate)
	e.f64(o.Lambda)
	e.f64(o.InitStdDev)
	e.u64(o.Seed)
	e.factors(m.users)
	e.factors(m.items)
	e.factors(Factors{Rows: len(m.bias), Dim: 1, Data: m.bias})
	return e.finish(), nil
}

// UnmarshalBinary replaces the model with one encoded by MarshalBinary, keeping the receiver's
// Progress. A truncated, corrupted or foreign blob returns an error and leaves the model
// unchanged. It must not run concurrently with other methods.
func (m *BPR) UnmarshalBinary(data []byte) error {
	d, err := newFacDecoder(data, bprMagic, bprVersion)
	if err != nil {
		return fmt.Errorf("unmarshal bpr: %w", err)
	}
	o := m.opts
	o.Factors = d.int("factors", alsMaxFactors)
	o.Epochs = d.int("epochs", math.MaxInt32)
	o.FoldInEpochs = d.int("fold-in epochs", math.MaxInt32)
	o.LearningRate = d.f64()
	o.Lambda = d.f64()
	o.InitStdDev = d.f64()
	o.Seed = d.u64()
	if d.err == nil {
		if err := o.Validate(); err != nil {
			return fmt.Errorf("unmarshal bpr: %w: %w", errFacCorrupt, err)
		}
	}
	users := d.factors("users", o.Factors)
	items := d.factors("items", o.Factors)
	bias := d.factors("bias", 1)
	if err := d.done(); err != nil {
		return fmt.Errorf("unmarshal bpr: %w", err)
	}
	if bias.Rows != items.Rows {
		return fmt.Errorf("unmarshal bpr: %w: %d biases for %d items", errFacCorrupt, bias.Rows, items.Rows)
	}
	*m = BPR{opts: o, users: users, items: items, bias: bias.Data,
		vectors: bprVectors(items, bias.Data)}
	return nil
}

// bprVectors returns the item vectors of the cf space: each item's factors followed by its
// bias, so that dot([user, 1], [item, bias]) is BPR's score.
func bprVectors(items Factors, bias []float32) Factors {
	k := items.Dim + 1
	v := Factors{Rows: items.Rows, Dim: k, Data: make([]float32, items.Rows*k)}
	for i := 0; i < items.Rows; i++ {
		row := v.Row(i)
		copy(row, items.Row(i))
		row[k-1] = bias[i]
	}
	return v
}

// ItemVectors returns the cf-space item vectors: the item factors with the item bias appended
// (dimension Factors+1). Shared; must not be modified.
func (m *BPR) ItemVectors() Factors { return m.vectors }

// UserVector returns the cf-space vector of a user: the trained or folded-in user factors (as
// Score chooses) with a 1 appended, so its dot product with ItemVectors is Score's score.
func (m *BPR) UserVector(u int, items []int32, weights []float32) []float32 {
	k := m.opts.Factors
	out := make([]float32, k+1)
	if u >= 0 && u < m.users.Rows && facTrainedRow(m.trainPtr, m.trainItems, m.trainW, u, items, weights) {
		copy(out, m.users.Row(u))
	} else {
		m.FoldInTo(out[:k], items, weights)
	}
	out[k] = 1
	return out
}
