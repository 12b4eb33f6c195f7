package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/floats"
)

// FactorModel is a Recommender whose scores are dot products in one vector space, the `cf`
// index space: for every item i,
//
//	Score(u, items, weights, dst); dst[i] == dot(UserVector(u, items, weights), ItemVectors().Row(i))
//
// up to float rounding. Publish ItemVectors to the index under the Dataset's item IDs and
// search it by dot product with UserVector. ALS and BPR implement it.
type FactorModel interface {
	Recommender
	ItemVectors() Factors
	UserVector(u int, items []int32, weights []float32) []float32
}

var (
	_ FactorModel = (*ALS)(nil)
	_ FactorModel = (*BPR)(nil)
)

// Factors is a dense row-major matrix of latent factors: row i is Data[i*Dim:(i+1)*Dim].
// A Factors returned by a model is shared with it and must not be modified.
type Factors struct {
	Rows, Dim int
	Data      []float32
}

// Row returns row i (0 <= i < Rows) as a sub-slice of Data.
func (f Factors) Row(i int) []float32 {
	return f.Data[i*f.Dim : (i+1)*f.Dim : (i+1)*f.Dim]
}

// facWorkers resolves a Workers option: 0 or less means GOMAXPROCS.
func facWorkers(w int) int {
	if w <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return w
}

// facParallel calls fn over [0, n) in chunks of chunk rows on up to workers goroutines. fn
// receives the worker number (for per-worker scratch) and a half-open row range. Chunks are
// handed out dynamically, so fn must make each row's result independent of which worker runs it.
func facParallel(n, workers, chunk int, fn func(worker, lo, hi int)) {
	if n <= 0 {
		return
	}
	nchunks := (n + chunk - 1) / chunk
	workers = min(facWorkers(workers), nchunks)
	if workers <= 1 {
		for lo := 0; lo < n; lo += chunk {
			fn(0, lo, min(lo+chunk, n))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= nchunks {
					return
				}
				lo := c * chunk
				fn(w, lo, min(lo+chunk, n))
			}
		})
	}
	wg.Wait()
}

// facGramBlock is the number of rows per partial Gram product. It is fixed, not derived from
// the worker count, so the summation order and hence the result never depend on parallelism.
const facGramBlock = 2048

// facGram returns the full symmetric k×k matrix AᵀA of a row-major rows×k matrix a, computed in
// fixed row blocks (float32 within a block, float64 across blocks) on up to workers goroutines
// and summed in block order (deterministic).
func facGram(a []float32, rows, k, workers int) []float64 {
	nb := (rows + facGramBlock - 1) / facGramBlock
	parts := make([][]float32, nb)
	impl := blas32.Implementation()
	facParallel(nb, workers, 1, func(_, lo, hi int) {
		for b := lo; b < hi; b++ {
			r0 := b * facGramBlock
			r1 := min(r0+facGramBlock, rows)
			c := make([]float32, k*k)
			impl.Ssyrk(blas.Lower, blas.Trans, k, r1-r0, 1, a[r0*k:r1*k], k, 0, c, k)
			parts[b] = c
		}
	})
	g := make([]float64, k*k)
	for _, p := range parts {
		for n, v := range p {
			g[n] += float64(v)
		}
	}
	for i := 0; i < k; i++ { // mirror the lower triangle
		for j := 0; j < i; j++ {
			g[j*k+i] = g[i*k+j]
		}
	}
	return g
}

// facCholSolve solves A x = b for a symmetric positive-definite n×n row-major A, reading only
// its lower triangle, which it overwrites with the Cholesky factor L. b is overwritten with x.
// It reports false, leaving b undefined, when A is not numerically positive definite.
func facCholSolve(a []float64, n int, b []float64) bool {
	for j := 0; j < n; j++ {
		rj := a[j*n : j*n+j+1]
		d := rj[j] - floats.Dot(rj[:j], rj[:j])
		if !(d > 0) || math.IsInf(d, 0) {
			return false
		}
		d = math.Sqrt(d)
		rj[j] = d
		for i := j + 1; i < n; i++ {
			ri := a[i*n : i*n+j+1]
			ri[j] = (ri[j] - floats.Dot(ri[:j], rj[:j])) / d
		}
	}
	for i := 0; i < n; i++ { // L y = b
		b[i] = (b[i] - floats.Dot(a[i*n:i*n+i], b[:i])) / a[i*n+i]
	}
	for i := n - 1; i >= 0; i-- { // Lᵀ x = y
		s := b[i]
		for j := i + 1; j < n; j++ {
			s -= a[j*n+i] * b[j]
		}
		b[i] = s / a[i*n+i]
	}
	return true
}

// facDot returns the dot product of two float32 vectors of equal length, accumulated in
// float64 (it serves sums over whole matrices, such as the loss's norms).
func facDot(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1 float64
	i := 0
	for ; i+2 <= len(a); i += 2 {
		s0 += float64(a[i]) * float64(b[i])
		s1 += float64(a[i+1]) * float64(b[i+1])
	}
	for ; i < len(a); i++ {
		s0 += float64(a[i]) * float64(b[i])
	}
	return s0 + s1
}

// facTrainedRow reports whether items and weights are exactly user u's training row in the CSR
// arrays ptr, ti, tw (nil weights matching a row of unit weights).
func facTrainedRow(ptr, ti []int32, tw []float32, u int, items []int32, weights []float32) bool {
	if u < 0 || u+1 >= len(ptr) {
		return false
	}
	a, b := ptr[u], ptr[u+1]
	if int(b-a) != len(items) || !slices.Equal(ti[a:b], items) {
		return false
	}
	if weights == nil {
		return !slices.ContainsFunc(tw[a:b], func(w float32) bool { return w != 1 })
	}
	return slices.Equal(tw[a:b], weights)
}

// Binary encoding shared by the factor models: a 4-byte magic, a uint16 version, the model's
// fields in little-endian order, and a trailing CRC-32 (IEEE) of everything before it.

var errFacCorrupt = errors.New("corrupt model blob")

type facEncoder struct{ buf []byte }

func (e *facEncoder) u32(v uint32)  { e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }
func (e *facEncoder) u64(v uint64)  { e.buf = binary.LittleEndian.AppendUint64(e.buf, v) }
func (e *facEncoder) f64(v float64) { e.u64(math.Float64bits(v)) }

func (e *facEncoder) factors(f Factors) {
	e.u32(uint32(f.Rows))
	e.u32(uint32(f.Dim))
	for _, v := range f.Data {
		e.u32(math.Float32bits(v))
	}
}

// finish appends the checksum and returns the blob.
func (e *facEncoder) finish() []byte {
	e.u32(crc32.ChecksumIEEE(e.buf))
	return e.buf
}

// facDecoder reads a blob written by facEncoder. The first error sticks; reads after it return
// zero values, so callers check err once at the end.
type facDecoder struct {
	buf []byte
	err error
}

// newFacDecoder checks the magic, version and checksum and returns a decoder positioned after
// the version.
func newFacDecoder(data []byte, magic string, version uint16) (*facDecoder, error) {
	if len(data) < len(magic)+2+4 {
		return nil, fmt.Errorf("%w: %d bytes is too short", errFacCorrupt, len(data))
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if string(body[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: bad magic %q, want %q", errFacCorrupt, body[:len(magic)], magic)
	}
	if v := binary.LittleEndian.Uint16(body[len(magic):]); v != version {
		return nil, fmt.Errorf("%w: unsupported version %d, want %d", errFacCorrupt, v, version)
	}
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", errFacCorrupt)
	}
	return &facDecoder{buf: body[len(magic)+2:]}, nil
}

func (d *facDecoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.buf) {
		d.err = fmt.Errorf("%w: truncated", errFacCorrupt)
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

func (d *facDecoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *facDecoder) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *facDecoder) f64() float64 { return math.Float64frombits(d.u64()) }

// int reads a uint32 that must be at most max.
func (d *facDecoder) int(name string, max int) int {
	v := d.u32()
	if d.err == nil && int64(v) > int64(max) {
		d.err = fmt.Errorf("%w: %s %d exceeds %d", errFacCorrupt, name, v, max)
	}
	return int(v)
}

// factors reads a Factors whose Dim must equal dim, checking the size against the bytes left
// before allocating and rejecting non-finite values.
func (d *facDecoder) factors(name string, dim int) Factors {
	rows := d.int(name+" rows", math.MaxInt32)
	gotDim := d.int(name+" dim", math.MaxInt32)
	if d.err != nil {
		return Factors{}
	}
	if gotDim != dim {
		d.err = fmt.Errorf("%w: %s dim %d, want %d", errFacCorrupt, name, gotDim, dim)
		return Factors{}
	}
	n := uint64(rows) * uint64(dim)
	if n*4 > uint64(len(d.buf)) {
		d.err = fmt.Errorf("%w: %s needs %d values, blob is truncated", errFacCorrupt, name, n)
		return Factors{}
	}
	raw := d.take(int(n) * 4)
	f := Factors{Rows: rows, Dim: dim, Data: make([]float32, n)}
	for i := range f.Data {
		v := math.Float32frombits(binary.LittleEndian.Uint32(raw[i*4:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			d.err = fmt.Errorf("%w: %s has a non-finite value", errFacCorrupt, name)
			return Factors{}
		}
		f.Data[i] = v
	}
	return f
}

// done reports the first error, or an error if bytes are left over.
func (d *facDecoder) done() error {
	if d.err == nil && len(d.buf) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", errFacCorrupt, len(d.buf))
	}
	return d.err
}
