package embed

import (
	"fmt"
	"math"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"gonum.org/v1/gonum/mat"
)

// Projection maps content vectors to CF vectors by ridge regression with an intercept,
// fitted on warm items (those with both). A cold item's content vector then gives it a
// CF vector, so CF retrieval can find it before it has events. It is immutable after
// FitProjection or UnmarshalBinary and safe for concurrent use.
type Projection struct {
	in, out int
	meanX   []float64 // in
	meanY   []float64 // out
	w       []float64 // in×out, row-major
	lambda  float64
}

// FitProjection solves min_W ‖(X−x̄)W − (Y−ȳ)‖² + lambda‖W‖² for rows X[i] (content
// vectors) and Y[i] (CF vectors of the same item). lambda (>= 0) is added to the
// diagonal of the centred XᵀX, a sum over items, so it is in the units of a squared
// content value times an item count; 1 to 10 suits L2-normalised content vectors.
func FitProjection(x, y [][]float32, lambda float64) (*Projection, error) {
	if err := checkRows("x", x); err != nil {
		return nil, fmt.Errorf("fit projection: %w", err)
	}
	if err := checkRows("y", y); err != nil {
		return nil, fmt.Errorf("fit projection: %w", err)
	}
	if len(x) != len(y) {
		return nil, fmt.Errorf("fit projection: %w", recd.Invalid("y", fmt.Sprintf("%d rows, x has %d", len(y), len(x))))
	}
	if lambda < 0 || math.IsNaN(lambda) || math.IsInf(lambda, 0) {
		return nil, fmt.Errorf("fit projection: %w", recd.Invalid("lambda", "must be a finite number >= 0"))
	}
	n, d, m := len(x), len(x[0]), len(y[0])
	p := &Projection{in: d, out: m, meanX: colMeans(x), meanY: colMeans(y), lambda: lambda}
	xc := mat.NewDense(n, d, nil)
	yc := mat.NewDense(n, m, nil)
	for i := range n {
		for j, v := range x[i] {
			xc.Set(i, j, float64(v)-p.meanX[j])
		}
		for j, v := range y[i] {
			yc.Set(i, j, float64(v)-p.meanY[j])
		}
	}
	gram := mat.NewSymDense(d, nil)
	gram.SymOuterK(1, xc.T())
	for j := range d {
		gram.SetSym(j, j, gram.At(j, j)+lambda)
	}
	var chol mat.Cholesky
	if !chol.Factorize(gram) || chol.Cond() > 1e12 {
		return nil, fmt.Errorf("fit projection: %w", recd.Unprocessable("lambda",
			"the content vectors are collinear: use a lambda > 0"))
	}
	var xty, w mat.Dense
	xty.Mul(xc.T(), yc)
	if err := chol.SolveTo(&w, &xty); err != nil {
		return nil, fmt.Errorf("fit projection: solve: %w", err)
	}
	p.w = make([]float64, d*m)
	for j := range d {
		for c := range m {
			p.w[j*m+c] = w.At(j, c)
		}
	}
	return p, nil
}

func checkRows(field string, rows [][]float32) error {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return recd.Invalid(field, "no rows, or empty rows")
	}
	for i, r := range rows {
		if len(r) != len(rows[0]) {
			return recd.Invalid(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("length %d, want %d", len(r), len(rows[0])))
		}
		for _, v := range r {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return recd.Invalid(fmt.Sprintf("%s[%d]", field, i), "NaN or Inf value")
			}
		}
	}
	return nil
}

func colMeans(rows [][]float32) []float64 {
	out := make([]float64, len(rows[0]))
	for _, r := range rows {
		for j, v := range r {
			out[j] += float64(v)
		}
	}
	for j := range out {
		out[j] /= float64(len(rows))
	}
	return out
}

// In and Out are the content and CF dimensions.
func (p *Projection) In() int  { return p.in }
func (p *Projection) Out() int { return p.out }

// Lambda is the ridge penalty the projection was fitted with.
func (p *Projection) Lambda() float64 { return p.lambda }

// Project returns the CF vector predicted for a content vector. A content vector of
// another length returns an error wrapping index.ErrDimensionMismatch.
func (p *Projection) Project(content []float32) ([]float32, error) {
	if len(content) != p.in {
		return nil, fmt.Errorf("project: content length %d, want %d: %w", len(content), p.in, index.ErrDimensionMismatch)
	}
	acc := make([]float64, p.out)
	copy(acc, p.meanY)
	for j, v := range content {
		xv := float64(v) - p.meanX[j]
		if xv == 0 {
			continue
		}
		row := p.w[j*p.out : (j+1)*p.out]
		for c, w := range row {
			acc[c] += xv * w
		}
	}
	out := make([]float32, p.out)
	for c, v := range acc {
		out[c] = float32(v)
	}
	return out, nil
}

const (
	projMagic   = "RECDPROJ"
	projVersion = 1
)

// MarshalBinary encodes the projection with a version header and a checksum.
func (p *Projection) MarshalBinary() ([]byte, error) {
	e := newEncoder(projMagic, projVersion)
	e.uvarint(uint64(p.in))
	e.uvarint(uint64(p.out))
	e.f64(p.lambda)
	for _, s := range [][]float64{p.meanX, p.meanY, p.w} {
		for _, v := range s {
			e.f64(v)
		}
	}
	return e.finish(), nil
}

// UnmarshalBinary decodes what MarshalBinary wrote; bad data returns an error wrapping
// ErrCorrupt and leaves p unchanged.
func (p *Projection) UnmarshalBinary(data []byte) error {
	d, err := newDecoder(data, projMagic, projVersion)
	if err != nil {
		return fmt.Errorf("unmarshal projection: %w", err)
	}
	in, out := d.int(), d.int()
	lambda := d.finite()
	if d.err == nil && (in < 1 || out < 1 || uint64(in+1)*uint64(out+1)-1 > uint64(len(d.buf))/8) {
		d.fail("shape")
	}
	read := func(n int) []float64 {
		if d.err != nil {
			return nil
		}
		s := make([]float64, n)
		for i := range s {
			s[i] = d.finite()
		}
		return s
	}
	meanX, meanY, w := read(in), read(out), read(in*out)
	if err := d.done(); err != nil {
		return fmt.Errorf("unmarshal projection: %w", err)
	}
	*p = Projection{in: in, out: out, meanX: meanX, meanY: meanY, w: w, lambda: lambda}
	return nil
}
