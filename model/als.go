package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/recd/recd"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
)

// ALSOptions configures implicit ALS (Hu, Koren and Volinsky 2008). An interaction of weight
// w > 0 is a preference of 1 held with confidence 1 + Alpha*w; every other user-item pair is a
// preference of 0 with confidence 1.
type ALSOptions struct {
	// Factors is the latent dimension k. Default 64.
	Factors int `json:"factors" yaml:"factors"`
	// Iterations is the number of alternating sweeps, each solving all users then all items.
	// Default 15.
	Iterations int `json:"iterations" yaml:"iterations"`
	// Alpha is the confidence slope per unit of event weight. Default 2.
	Alpha float64 `json:"alpha" yaml:"alpha"`
	// Lambda is the L2 regularisation added to the diagonal of every solve (> 0). Default 20.
	Lambda float64 `json:"lambda" yaml:"lambda"`
	// CGSteps is the number of conjugate-gradient steps per row and sweep, warm-started from the
	// previous sweep (Takács et al. 2011); 0 solves every row exactly by Cholesky. Default 3.
	CGSteps int `json:"cg_steps" yaml:"cg_steps"`
	// InitStdDev is the standard deviation of the random initial factors. Default 0.1.
	InitStdDev float64 `json:"init_std_dev" yaml:"init_std_dev"`
	// Seed seeds the initial factors.
	Seed uint64 `json:"seed" yaml:"seed"`
	// Workers is the number of goroutines per sweep; 0 means GOMAXPROCS. The trained factors
	// are bit-identical for any value.
	Workers int `json:"workers" yaml:"workers"`
	// Progress, if set, is called after each iteration (1-based) with the training loss
	// (the weighted squared error plus the L2 terms, summed over all user-item pairs) and the
	// time since Fit started. Computing the loss costs about a tenth of an iteration.
	Progress func(iter int, loss float64, elapsed time.Duration) `json:"-" yaml:"-"`
}

// DefaultALSOptions returns the defaults, chosen for implicit feedback of roughly unit weight:
// on MovieLens latest-small cut to a quarter, a half and all of its users, Lambda 20 was the
// best of {2, 5, 10, 20, 40} at every size.
func DefaultALSOptions() ALSOptions {
	return ALSOptions{Factors: 64, Iterations: 15, Alpha: 2, Lambda: 20, CGSteps: 3,
		InitStdDev: 0.1, Seed: 1}
}

// alsMaxFactors bounds Factors so that per-row k×k scratch stays small.
const alsMaxFactors = 1024

// Validate reports the first option that is out of range as a *recd.FieldError.
func (o ALSOptions) Validate() error {
	switch {
	case o.Factors < 1 || o.Factors > alsMaxFactors:
		return recd.Invalid("factors", fmt.Sprintf("must be in [1, %d]", alsMaxFactors))
	case o.Iterations < 0:
		return recd.Invalid("iterations", "must not be negative")
	case !(o.Alpha >= 0) || math.IsInf(o.Alpha, 0):
		return recd.Invalid("alpha", "must be a finite number >= 0")
	case !(o.Lambda > 0) || math.IsInf(o.Lambda, 0):
		return recd.Invalid("lambda", "must be a finite number > 0")
	case o.CGSteps < 0:
		return recd.Invalid("cg_steps", "must not be negative")
	case !(o.InitStdDev >= 0) || math.IsInf(o.InitStdDev, 0):
		return recd.Invalid("init_std_dev", "must be a finite number >= 0")
	}
	return nil
}

// ALS is an implicit-feedback matrix factorisation model. Fit and UnmarshalBinary must not run
// concurrently with any other method; after Fit (or UnmarshalBinary) returns, Score, FoldIn, FoldInTo,
// UserFactors and ItemFactors are safe for concurrent use.
type ALS struct {
	opts  ALSOptions
	users Factors
	items Factors
	gram  []float64 // YᵀY + Lambda·I over items, row-major k×k, for fold-in
	// The training rows, to tell whether a history given to Score is still the trained one.
	// Nil after UnmarshalBinary, in which case Score always folds in.
	trainPtr   []int32
	trainItems []int32
	trainW     []float32
	pool       sync.Pool // *alsScratch
}

var _ Recommender = (*ALS)(nil)

// NewALS returns an untrained ALS with the given options; Fit validates them.
func NewALS(opts ALSOptions) *ALS { return &ALS{opts: opts} }

// Name returns "als".
func (m *ALS) Name() string { return "als" }

// Options returns the model's options.
func (m *ALS) Options() ALSOptions { return m.opts }

// UserFactors returns the trained user vectors, one row per user index of the training
// Dataset. The matrix is shared with the model and must not be modified.
func (m *ALS) UserFactors() Factors { return m.users }

// ItemFactors returns the item vectors, one row per item index of the training Dataset
// (the vectors of the `cf` space; score = dot(user, item)). Shared; must not be modified.
func (m *ALS) ItemFactors() Factors { return m.items }

// ItemVectors returns the cf-space item vectors, which for ALS are the item factors.
func (m *ALS) ItemVectors() Factors { return m.items }

// UserVector returns the cf-space vector of a user, the one Score uses: the trained vector when
// u is a trained user with an unchanged history, the folded-in one otherwise.
func (m *ALS) UserVector(u int, items []int32, weights []float32) []float32 {
	if u >= 0 && u < m.users.Rows && facTrainedRow(m.trainPtr, m.trainItems, m.trainW, u, items, weights) {
		return slices.Clone(m.users.Row(u))
	}
	return m.FoldIn(items, weights)
}

// Fit trains on d. It is deterministic for the options (Workers aside, which does not change
// the result) and returns ctx's error, wrapped, if ctx ends first.
func (m *ALS) Fit(ctx context.Context, d *Dataset) error {
	o := m.opts
	if err := o.Validate(); err != nil {
		return fmt.Errorf("fit als: %w", err)
	}
	if err := facCheckDataset(d); err != nil {
		return fmt.Errorf("fit als: %w", err)
	}
	start := time.Now()
	k, nu, ni := o.Factors, d.NumUsers(), d.NumItems()
	rng := rand.New(rand.NewPCG(o.Seed, 0x616c73)) // "als"
	x := make([]float32, nu*k)
	y := make([]float32, ni*k)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * o.InitStdDev)
	}
	for i := range y {
		y[i] = float32(rng.NormFloat64() * o.InitStdDev)
	}
	scratch := make([]*alsScratch, facWorkers(o.Workers))
	for w := range scratch {
		scratch[w] = newALSScratch(k)
	}
	sweep := func(dst, other []float32, rows, otherRows int, row func(int) ([]int32, []float32)) error {
		g := facGram(other, otherRows, k, o.Workers)
		for j := 0; j < k; j++ {
			g[j*k+j] += o.Lambda
		}
		g32 := make([]float32, len(g))
		for n, v := range g {
			g32[n] = float32(v)
		}
		facParallel(rows, o.Workers, 64, func(w, lo, hi int) {
			if ctx.Err() != nil {
				return
			}
			s := scratch[w]
			for r := lo; r < hi; r++ {
				idx, wt := row(r)
				xr := dst[r*k : (r+1)*k : (r+1)*k]
				if len(idx) == 0 { // the exact solution with no interactions
					clear(xr)
					continue
				}
				if o.CGSteps == 0 {
					s.exact(xr, g, other, idx, wt, o.Alpha)
				} else {
					s.cg(xr, g32, other, idx, wt, o.Alpha, o.CGSteps)
				}
			}
		})
		return ctx.Err()
	}
	for it := 1; it <= o.Iterations; it++ {
		if err := sweep(x, y, nu, ni, d.UserRow); err != nil {
			return fmt.Errorf("fit als: iteration %d: %w", it, err)
		}
		if err := sweep(y, x, ni, nu, d.ItemCol); err != nil {
			return fmt.Errorf("fit als: iteration %d: %w", it, err)
		}
		if o.Progress != nil {
			o.Progress(it, alsLoss(d, x, y, k, o), time.Since(start))
		}
	}
	m.users = Factors{Rows: nu, Dim: k, Data: x}
	m.setItems(Factors{Rows: ni, Dim: k, Data: y})
	m.trainPtr, m.trainItems, m.trainW = d.UserPtr, d.UserItems, d.UserWeights
	return nil
}

// setItems installs item factors and the fold-in Gram matrix computed from them.
func (m *ALS) setItems(f Factors) {
	m.items = f
	k := m.opts.Factors
	m.gram = facGram(f.Data, f.Rows, k, m.opts.Workers)
	for j := 0; j < k; j++ {
		m.gram[j*k+j] += m.opts.Lambda
	}
}

// facCheckDataset checks that d's CSR and CSC arrays are consistent enough to index safely.
func facCheckDataset(d *Dataset) error {
	if d == nil {
		return errors.New("nil dataset")
	}
	nu, ni, nnz := len(d.Users), len(d.Items), len(d.UserItems)
	if len(d.UserPtr) != nu+1 || len(d.ItemPtr) != ni+1 || len(d.UserWeights) != nnz ||
		len(d.ItemUsers) != nnz || len(d.ItemWeights) != nnz ||
		d.UserPtr[0] != 0 || d.ItemPtr[0] != 0 || int(d.UserPtr[nu]) != nnz || int(d.ItemPtr[ni]) != nnz {
		return errors.New("dataset: inconsistent matrix arrays")
	}
	for u := 0; u < nu; u++ {
		if d.UserPtr[u] > d.UserPtr[u+1] {
			return errors.New("dataset: user pointers not ascending")
		}
	}
	for i := 0; i < ni; i++ {
		if d.ItemPtr[i] > d.ItemPtr[i+1] {
			return errors.New("dataset: item pointers not ascending")
		}
	}
	for n := 0; n < nnz; n++ {
		if i := d.UserItems[n]; i < 0 || int(i) >= ni {
			return fmt.Errorf("dataset: item index %d out of range", i)
		}
		if u := d.ItemUsers[n]; u < 0 || int(u) >= nu {
			return fmt.Errorf("dataset: user index %d out of range", u)
		}
	}
	return nil
}

// alsLoss returns Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ(‖X‖² + ‖Y‖²), computed in
// O(users·k² + nnz·k) as Σ_u x_uᵀ(YᵀY)x_u plus a correction for the observed pairs.
func alsLoss(d *Dataset, x, y []float32, k int, o ALSOptions) float64 {
	nu := d.NumUsers()
	g := facGram(y, d.NumItems(), k, o.Workers)
	per := make([]float64, nu)
	impl := blas64.Implementation()
	facParallel(nu, o.Workers, 64, func(_, lo, hi int) {
		gx, xu := make([]float64, k), make([]float64, k)
		for u := lo; u < hi; u++ {
			for j, v := range x[u*k : (u+1)*k] {
				xu[j] = float64(v)
			}
			impl.Dgemv(blas.NoTrans, k, k, 1, g, k, xu, 1, 0, gx, 1)
			l := floats.Dot(xu, gx)
			idx, w := d.UserRow(u)
			for n, i := range idx {
				s := facDot(x[u*k:(u+1)*k], y[int(i)*k:(int(i)+1)*k])
				c1, pref := alsConf(o.Alpha, w[n])
				l += (1+c1)*(pref-s)*(pref-s) - s*s
			}
			per[u] = l
		}
	})
	loss := 0.0
	for _, l := range per {
		loss += l
	}
	return loss + o.Lambda*(facDot(x, x)+facDot(y, y))
}

// alsGatherMax is the most float32s of fixed-side rows that cg copies into a contiguous buffer
// per row solve (256 KiB, about an L2 cache), so that its 1+steps passes over them hit cache
// instead of gathering scattered rows from memory each time.
const alsGatherMax = 1 << 16

// cg improves x towards the solution of (G + Σ_i c1_i y_i y_iᵀ) x = Σ_i p_i (1+c1_i) y_i by
// steps of conjugate gradient started from x, where G = YᵀY + λI, c1_i = alpha·|w_i| and
// p_i = 1 if w_i > 0 else 0. other holds the fixed side's factors, row-major with k columns.
// It works in float32 (twice the SIMD width of float64), which is ample for a few steps.
func (s *alsScratch) cg(x, g, other []float32, idx []int32, w []float32, alpha float64, steps int) {
	k, n := len(x), len(idx)
	r, p, ap := s.r32, s.p32, s.ap32
	impl := blas32.Implementation()
	if cap(s.c1) < n {
		s.c1, s.bc, s.t = make([]float32, n), make([]float32, n), make([]float32, n)
	}
	c1, bc, t := s.c1[:n], s.bc[:n], s.t[:n]
	for j := range idx {
		cj, pref := alsConf(alpha, w[j])
		c1[j], bc[j] = float32(cj), float32(pref*(1+cj))
	}
	var yu []float32 // the rows of idx, gathered, or nil to read them in place
	if n*k <= alsGatherMax {
		if cap(s.gather) < n*k {
			s.gather = make([]float32, min(alsGatherMax, max(2*n*k, 1024)))
		}
		yu = s.gather[:n*k]
		for j, i := range idx {
			copy(yu[j*k:(j+1)*k], other[int(i)*k:(int(i)+1)*k])
		}
	}
	// r = b − A x
	impl.Sgemv(blas.NoTrans, k, k, -1, g, k, x, 1, 0, r, 1)
	s.rowDots(t, yu, other, idx, x)
	for j := range t {
		t[j] = bc[j] - c1[j]*t[j]
	}
	s.rowAxpy(r, yu, other, idx, t)
	copy(p, r)
	rs := impl.Sdot(k, r, 1, r, 1)
	for step := 0; step < steps && rs > 1e-30; step++ {
		// ap = A p
		impl.Sgemv(blas.NoTrans, k, k, 1, g, k, p, 1, 0, ap, 1)
		s.rowDots(t, yu, other, idx, p)
		for j := range t {
			t[j] *= c1[j]
		}
		s.rowAxpy(ap, yu, other, idx, t)
		pap := impl.Sdot(k, p, 1, ap, 1)
		if !(pap > 0) {
			return
		}
		a := rs / pap
		impl.Saxpy(k, a, p, 1, x, 1)
		impl.Saxpy(k, -a, ap, 1, r, 1)
		rsNew := impl.Sdot(k, r, 1, r, 1)
		beta := rsNew / rs
		for j := range p {
			p[j] = r[j] + beta*p[j]
		}
		rs = rsNew
	}
}

// rowDots sets t[j] = y_j·v for the rows y_j of idx, from the gathered yu if not nil.
func (s *alsScratch) rowDots(t, yu, other []float32, idx []int32, v []float32) {
	k := len(v)
	impl := blas32.Implementation()
	if yu != nil {
		impl.Sgemv(blas.NoTrans, len(idx), k, 1, yu, k, v, 1, 0, t, 1)
		return
	}
	for j, i := range idx {
		t[j] = impl.Sdot(k, other[int(i)*k:(int(i)+1)*k], 1, v, 1)
	}
}

// rowAxpy adds Σ_j t[j]·y_j to dst for the rows y_j of idx, from the gathered yu if not nil.
func (s *alsScratch) rowAxpy(dst, yu, other []float32, idx []int32, t []float32) {
	k := len(dst)
	impl := blas32.Implementation()
	if yu != nil {
		impl.Sgemv(blas.Trans, len(idx), k, 1, yu, k, t, 1, 1, dst, 1)
		return
	}
	for j, i := range idx {
		impl.Saxpy(k, t[j], other[int(i)*k:(int(i)+1)*k], 1, dst, 1)
	}
}

// alsConf returns the extra confidence c−1 = alpha·|w| of an interaction of weight w and its
// preference: 1 for positive weights, 0 for negative ones (an explicit dislike).
func alsConf(alpha float64, w float32) (c1, pref float64) {
	if w > 0 {
		return alpha * float64(w), 1
	}
	return -alpha * float64(w), 0
}

const (
	alsMagic   = "RALS"
	alsVersion = 1
)

// MarshalBinary encodes the options (without Workers and Progress) and both factor matrices
// with a version header and a checksum. The training rows are not included, so a decoded
// model folds every user in from the history given to Score.
func (m *ALS) MarshalBinary() ([]byte, error) {
	o := m.opts
	e := &facEncoder{buf: make([]byte, 0, 64+4*(len(m.users.Data)+len(m.items.Data)))}
	e.buf = append(e.buf, alsMagic...)
	e.buf = append(e.buf, alsVersion, 0)
	e.u32(uint32(o.Factors))
	e.u32(uint32(o.Iterations))
	e.u32(uint32(o.CGSteps))
	e.f64(o.Alpha)
	e.f64(o.Lambda)
	e.f64(o.InitStdDev)
	e.u64(o.Seed)
	e.factors(m.users)
	e.factors(m.items)
	return e.finish(), nil
}

// WithoutUsers returns a model with the same options and item vectors but no user vectors,
// for saving a model that is served by folding users in: a decoded model never reads them (its
// training rows are not encoded), and at a million users they were a quarter of a saved
// bundle. The receiver is unchanged.
func (m *ALS) WithoutUsers() *ALS {
	return &ALS{opts: m.opts, users: Factors{Dim: m.users.Dim}, items: m.items, gram: m.gram}
}

// UnmarshalBinary replaces the model with one encoded by MarshalBinary, keeping the receiver's
// Workers and Progress. A truncated, corrupted or foreign blob returns an error and leaves the
// model unchanged.
func (m *ALS) UnmarshalBinary(data []byte) error {
	d, err := newFacDecoder(data, alsMagic, alsVersion)
	if err != nil {
		return fmt.Errorf("unmarshal als: %w", err)
	}
	o := m.opts
	o.Factors = d.int("factors", alsMaxFactors)
	o.Iterations = d.int("iterations", math.MaxInt32)
	o.CGSteps = d.int("cg steps", math.MaxInt32)
	o.Alpha = d.f64()
	o.Lambda = d.f64()
	o.InitStdDev = d.f64()
	o.Seed = d.u64()
	if d.err == nil {
		if err := o.Validate(); err != nil {
			return fmt.Errorf("unmarshal als: %w: %w", errFacCorrupt, err)
		}
	}
	users := d.factors("users", o.Factors)
	items := d.factors("items", o.Factors)
	if err := d.done(); err != nil {
		return fmt.Errorf("unmarshal als: %w", err)
	}
	*m = ALS{opts: o, users: users}
	m.setItems(items)
	return nil
}
