package embed

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// LSAOptions tunes FitLSA.
type LSAOptions struct {
	// Dim is the number of dense dimensions. It is lowered to what the data allows when
	// there are fewer items or terms; LSA.Dim reports the result.
	Dim int
	// Oversample is how many extra directions the random sketch carries (10 is plenty).
	Oversample int
	// PowerIters is the number of power iterations that sharpen the sketch (1 or 2).
	PowerIters int
	// Seed makes the fit deterministic: the same items, vocabulary and seed give the same model.
	Seed uint64
}

// DefaultLSAOptions returns 128 dimensions, oversampling 10, 2 power iterations, seed 1.
func DefaultLSAOptions() LSAOptions {
	return LSAOptions{Dim: 128, Oversample: 10, PowerIters: 2, Seed: 1}
}

// Validate reports the first bad option.
func (o LSAOptions) Validate() error {
	switch {
	case o.Dim < 1:
		return recd.Invalid("dim", "must be >= 1")
	case o.Oversample < 0:
		return recd.Invalid("oversample", "must be >= 0")
	case o.PowerIters < 0 || o.PowerIters > 10:
		return recd.Invalid("power_iters", "must be in [0, 10]")
	}
	return nil
}

// LSA projects TF-IDF vectors onto the top right singular vectors of the item×term
// TF-IDF matrix, giving dense vectors that compare items by meaning, not only by shared
// words. It is immutable after FitLSA or UnmarshalBinary and safe for concurrent use.
type LSA struct {
	terms    int       // vocabulary size the model was fitted on
	dim      int       // output dimensions
	loadings []float32 // terms×dim, term-major: row j is term j's coordinates
	singular []float64 // the dim largest singular values, decreasing
}

// ErrNoContent is returned by FitLSA when the items hold no term of the vocabulary.
var ErrNoContent = errors.New("no content to fit")

// FitLSA computes a truncated SVD of the TF-IDF matrix of items by a randomised SVD:
// a Gaussian sketch with oversampling, power iterations with re-orthonormalisation,
// a QR factorisation, and the exact SVD of the small projected matrix.
func FitLSA(tfidf *TFIDF, items []recd.Item, opts LSAOptions) (*LSA, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("fit lsa: %w", err)
	}
	a := newCSR(tfidf, items)
	if a.nnz() == 0 {
		return nil, fmt.Errorf("fit lsa: %w", ErrNoContent)
	}
	n, v := a.rows(), a.cols
	l := min(opts.Dim+opts.Oversample, n, v)
	k := min(opts.Dim, l)
	u, singular, err := randomizedSVD(a, l, opts.PowerIters, opts.Seed)
	if err != nil {
		return nil, fmt.Errorf("fit lsa: %w", err)
	}
	singular = singular[:k]
	m := &LSA{terms: v, dim: k, loadings: make([]float32, v*k), singular: singular}
	for c := range k {
		// fix the sign of each direction so refits agree: the largest entry is positive
		var best float64
		for j := range v {
			if x := u.At(j, c); math.Abs(x) > math.Abs(best) {
				best = x
			}
		}
		sign := 1.0
		if best < 0 {
			sign = -1
		}
		for j := range v {
			m.loadings[j*k+c] = float32(sign * u.At(j, c))
		}
	}
	return m, nil
}

// Dim is the length of the vectors Embed returns.
func (m *LSA) Dim() int { return m.dim }

// Terms is the vocabulary size the model was fitted on.
func (m *LSA) Terms() int { return m.terms }

// SingularValues returns a copy of the singular values of the kept directions, decreasing.
func (m *LSA) SingularValues() []float64 { return append([]float64(nil), m.singular...) }

// Embed projects a TF-IDF vector (from the TFIDF the model was fitted with) to an
// L2-normalised dense vector of Dim values. Any item works, seen at fit time or not;
// indices outside the vocabulary are ignored, and a vector with no known term gives
// the zero vector (which indexes reject, as they should).
func (m *LSA) Embed(sv index.SparseVector) []float32 {
	out := make([]float32, m.dim)
	m.EmbedTo(out, sv)
	return out
}

// EmbedTo is Embed into dst, which must have length Dim; it does not allocate.
func (m *LSA) EmbedTo(dst []float32, sv index.SparseVector) {
	clear(dst)
	k := m.dim
	for p, j := range sv.Indices {
		if int(j) >= m.terms || p >= len(sv.Values) {
			continue
		}
		w := sv.Values[p]
		row := m.loadings[int(j)*k : int(j)*k+k]
		for c, x := range row {
			dst[c] += w * x
		}
	}
	var n2 float64
	for _, x := range dst {
		n2 += float64(x) * float64(x)
	}
	if n2 == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(n2))
	for c := range dst {
		dst[c] *= inv
	}
}

// randomizedSVD returns the top l right singular vectors of a (as the columns of a
// cols×l matrix) and the singular values, decreasing, by a Gaussian sketch of l columns,
// powerIters power iterations with re-orthonormalisation, a QR and the exact SVD of the
// projected l×cols matrix. l must be <= min(rows, cols).
func randomizedSVD(a *csr, l, powerIters int, seed uint64) (*mat.Dense, []float64, error) {
	n, v := a.rows(), a.cols
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	omega := mat.NewDense(v, l, nil)
	raw := omega.RawMatrix().Data
	for i := range raw {
		raw[i] = rng.NormFloat64()
	}
	y := mat.NewDense(n, l, nil)
	a.mul(y, omega)
	z := mat.NewDense(v, l, nil)
	for range powerIters {
		orthonormalise(y)
		a.mulT(z, y)
		orthonormalise(z)
		a.mul(y, z)
	}
	orthonormalise(y)
	a.mulT(z, y) // z = Aᵀ Q, the transpose of the small matrix B = Qᵀ A
	var svd mat.SVD
	if !svd.Factorize(z, mat.SVDThin) {
		return nil, nil, errors.New("svd did not converge")
	}
	var u mat.Dense
	svd.UTo(&u)
	return &u, svd.Values(nil), nil
}

// orthonormalise replaces the columns of a (rows >= cols) by an orthonormal basis of
// their span: the thin Q of a Householder QR.
func orthonormalise(a *mat.Dense) {
	raw := a.RawMatrix()
	tau := make([]float64, raw.Cols)
	work := []float64{0}
	lapack64.Geqrf(raw, tau, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Geqrf(raw, tau, work, len(work))
	work = []float64{0}
	lapack64.Orgqr(raw, tau, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Orgqr(raw, tau, work, len(work))
}
