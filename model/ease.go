package model

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/recd/recd"
)

// ErrTooManyItems is returned by EASE.Fit when the kept catalog exceeds EASEOptions.MaxItems.
var ErrTooManyItems = errors.New("too many items for a dense item-item model")

// ErrNoItems is returned by EASE.Fit when no item has enough users to be modelled.
var ErrNoItems = errors.New("no item to model")

// EASE solver choices.
const (
	// EASESolverAuto inverts the smaller of the item Gram matrix and the user Gram matrix.
	EASESolverAuto = "auto"
	// EASESolverItems factors the n×n item Gram matrix XᵀX + λI (Cholesky) and inverts it.
	EASESolverItems = "items"
	// EASESolverUsers factors the m×m user Gram matrix XXᵀ + λI and obtains the same
	// P = (XᵀX + λI)⁻¹ by the Woodbury identity P = (I - Xᵀ(XXᵀ + λI)⁻¹X)/λ.
	EASESolverUsers = "users"
)

// EASEOptions configures EASE.
type EASEOptions struct {
	// Lambda is the L2 regularisation added to the Gram diagonal. Default 200 (best of 50..1000
	// on MovieLens latest-small; larger data sets tend to want larger values).
	Lambda float64 `json:"lambda" yaml:"lambda"`
	// MinCount keeps only items with at least this many distinct training users; the others
	// are left out of the model and score 0. Default 3.
	MinCount int `json:"min_count" yaml:"min_count"`
	// MaxItems refuses to fit (ErrTooManyItems) when more items are kept: the weights take
	// 4·n² bytes and the item solver 8·n² more. Default 15000.
	MaxItems int `json:"max_items" yaml:"max_items"`
	// Solver is EASESolverAuto (default), EASESolverItems or EASESolverUsers.
	Solver string `json:"solver" yaml:"solver"`
	// Workers is the number of goroutines used by Fit; 0 means GOMAXPROCS.
	Workers int `json:"workers" yaml:"workers"`
}

// DefaultEASEOptions returns lambda 200, items with at least 3 users, at most 15000 items.
func DefaultEASEOptions() EASEOptions {
	return EASEOptions{Lambda: 200, MinCount: 3, MaxItems: 15000, Solver: EASESolverAuto}
}

func (o EASEOptions) validate() error {
	switch {
	case !(o.Lambda > 0):
		return recd.Invalid("lambda", "must be positive")
	case o.MinCount < 0:
		return recd.Invalid("min_count", "must not be negative")
	case o.MaxItems <= 0:
		return recd.Invalid("max_items", "must be positive")
	case o.Solver != "" && o.Solver != EASESolverAuto && o.Solver != EASESolverItems && o.Solver != EASESolverUsers:
		return recd.Invalid("solver", fmt.Sprintf("unknown solver %q", o.Solver))
	}
	return nil
}

// EASE is Steck's embarrassingly shallow autoencoder (2019): item-item weights
// B = I - P·diagMat(1/diag(P)) with P = (XᵀX + λI)⁻¹ and a zero diagonal, restricted to the
// items with at least MinCount users. A user's scores are their history row times B.
// Fit must not run concurrently with anything else; after Fit, Score is safe for
// concurrent use.
type EASE struct {
	Opt EASEOptions
	// Kept is the number of items in the model after Fit (items with at least MinCount users);
	// the rest of the catalog scores 0.
	Kept int
	// SolverUsed is the solver Fit used.
	SolverUsed string

	numItems int
	kept     []int32   // kept index -> dataset item
	slot     []int32   // dataset item -> kept index, or -1
	b        []float32 // Kept×Kept, row-major; row i holds the weights from item i
	pop      []float32 // tie-break per dataset item, tiny and proportional to its user count
}

var _ Recommender = (*EASE)(nil)

// NewEASE returns an unfitted EASE with the given options.
func NewEASE(opt EASEOptions) *EASE { return &EASE{Opt: opt} }

// Name returns "ease".
func (m *EASE) Name() string { return "ease" }

func (m *EASE) workers() int {
	if m.Opt.Workers > 0 {
		return m.Opt.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Fit computes B from d's interaction weights.
func (m *EASE) Fit(ctx context.Context, d *Dataset) error {
	if m.Opt.Solver == "" {
		m.Opt.Solver = EASESolverAuto
	}
	if err := m.Opt.validate(); err != nil {
		return fmt.Errorf("ease: %w", err)
	}
	n := d.NumItems()
	slot := make([]int32, n)
	var kept []int32
	for i := 0; i < n; i++ {
		slot[i] = -1
		if int(d.ItemCount[i]) >= m.Opt.MinCount && d.ItemCount[i] > 0 {
			slot[i] = int32(len(kept))
			kept = append(kept, int32(i))
		}
	}
	if len(kept) == 0 {
		return fmt.Errorf("ease: no item has at least %d users: %w", m.Opt.MinCount, ErrNoItems)
	}
	if len(kept) > m.Opt.MaxItems {
		return fmt.Errorf("ease: %d items with at least %d users exceed max_items %d (raise min_count or max_items): %w",
			len(kept), m.Opt.MinCount, m.Opt.MaxItems, ErrTooManyItems)
	}
	x := easeSubmatrix(d, slot, len(kept))
	solver := m.Opt.Solver
	if solver == EASESolverAuto {
		solver = EASESolverItems
		if x.rows < len(kept) {
			solver = EASESolverUsers
		}
	}
	var b []float32
	var err error
	if solver == EASESolverUsers {
		b, err = easeByUsers(ctx, x, len(kept), m.Opt.Lambda, m.workers())
	} else {
		b, err = easeByItems(ctx, x, len(kept), m.Opt.Lambda, m.workers())
	}
	if err != nil {
		return fmt.Errorf("ease: %w", err)
	}
	pop := make([]float32, n)
	maxCount := int32(1)
	for _, c := range d.ItemCount {
		maxCount = max(maxCount, c)
	}
	for i, c := range d.ItemCount {
		pop[i] = 1e-6 * float32(c) / float32(maxCount)
	}
	m.numItems, m.kept, m.slot, m.b, m.pop = n, kept, slot, b, pop
	m.Kept, m.SolverUsed = len(kept), solver
	return nil
}

// Score writes history·B for kept items and a tiny popularity tie-break for the others.
// Users need no index: u is ignored and the history in items/weights is used, so new users
// are scored from their events without refitting.
func (m *EASE) Score(u int, items []int32, weights []float32, dst []float32) {
	if len(dst) < m.numItems {
		return
	}
	copy(dst, m.pop)
	k := len(m.kept)
	acc := make([]float32, k)
	for n, it := range items {
		if it < 0 || int(it) >= m.numItems || m.slot[it] < 0 {
			continue
		}
		w := float32(1)
		if n < len(weights) {
			w = weights[n]
		}
		row := m.b[int(m.slot[it])*k : int(m.slot[it]+1)*k]
		for j, v := range row {
			acc[j] += w * v
		}
	}
	for j, it := range m.kept {
		dst[it] += acc[j]
	}
}

const easeMagic = "recdEASE"
const easeVersion = 1

// MarshalBinary encodes the fitted model: a magic and version header, the options, the
// kept items and the weights (little endian).
func (m *EASE) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(easeMagic)
	hdr := []int64{easeVersion, int64(m.numItems), int64(len(m.kept)), int64(m.Opt.MinCount), int64(m.Opt.MaxItems)}
	if err := binary.Write(&buf, binary.LittleEndian, hdr); err != nil {
		return nil, err
	}
	if err := binary.Write(&buf, binary.LittleEndian, m.Opt.Lambda); err != nil {
		return nil, err
	}
	for _, v := range []any{m.kept, m.pop, m.b} {
		if err := binary.Write(&buf, binary.LittleEndian, v); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// SizeBytes returns the length of MarshalBinary's output.
func (m *EASE) SizeBytes() int64 {
	return int64(len(easeMagic)) + 6*8 + 4*int64(len(m.kept)+len(m.pop)+len(m.b))
}

// UnmarshalBinary decodes a model written by MarshalBinary.
func (m *EASE) UnmarshalBinary(data []byte) error {
	r := bytes.NewReader(data)
	magic := make([]byte, len(easeMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != easeMagic {
		return fmt.Errorf("ease: unmarshal: bad header: %w", recd.ErrInvalid)
	}
	hdr := make([]int64, 5)
	var lambda float64
	if err := binary.Read(r, binary.LittleEndian, hdr); err != nil {
		return fmt.Errorf("ease: unmarshal: %w", err)
	}
	if err := binary.Read(r, binary.LittleEndian, &lambda); err != nil {
		return fmt.Errorf("ease: unmarshal: %w", err)
	}
	if hdr[0] != easeVersion {
		return fmt.Errorf("ease: unmarshal: version %d: %w", hdr[0], recd.ErrInvalid)
	}
	n, k := hdr[1], hdr[2]
	if n < 0 || k < 0 || k > n || int64(r.Len()) != 4*(k+n+k*k) {
		return fmt.Errorf("ease: unmarshal: sizes %d/%d do not match %d bytes: %w", k, n, r.Len(), recd.ErrInvalid)
	}
	kept, pop, b := make([]int32, k), make([]float32, n), make([]float32, k*k)
	for _, v := range []any{kept, pop, b} {
		if err := binary.Read(r, binary.LittleEndian, v); err != nil {
			return fmt.Errorf("ease: unmarshal: %w", err)
		}
	}
	slot := make([]int32, n)
	for i := range slot {
		slot[i] = -1
	}
	for s, it := range kept {
		if it < 0 || int64(it) >= n || slot[it] >= 0 {
			return fmt.Errorf("ease: unmarshal: bad item %d: %w", it, recd.ErrInvalid)
		}
		slot[it] = int32(s)
	}
	m.Opt.MinCount, m.Opt.MaxItems, m.Opt.Lambda = int(hdr[3]), int(hdr[4]), lambda
	m.numItems, m.kept, m.slot, m.pop, m.b, m.Kept = int(n), kept, slot, pop, b, int(k)
	return nil
}
