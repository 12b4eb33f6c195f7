package index

import (
	"fmt"
	"math"
)

// DotProduct returns the inner product of a and b over the first len(a) elements; b must be at
// least as long as a. On amd64 with AVX2 and FMA it runs an assembly kernel (build tag
// purego turns it off); elsewhere a Go loop unrolled by eight.
func DotProduct(a, b []float32) float32 {
	if useAVX2 && len(a) >= 8 {
		b = b[:len(a)]
		return dotAVX2(&a[0], &b[0], len(a))
	}
	return dotGeneric(a, b)
}

// L2Squared returns the squared Euclidean distance between a and b (len(b) >= len(a)).
func L2Squared(a, b []float32) float32 {
	if useAVX2 && len(a) >= 8 {
		b = b[:len(a)]
		return l2AVX2(&a[0], &b[0], len(a))
	}
	return l2Generic(a, b)
}

// dotGeneric is DotProduct in Go: unrolled by eight with independent accumulators so the
// multiply-adds overlap.
func dotGeneric(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= n; i += 8 {
		aa := a[i : i+8 : i+8]
		bb := b[i : i+8 : i+8]
		s0 += aa[0] * bb[0]
		s1 += aa[1] * bb[1]
		s2 += aa[2] * bb[2]
		s3 += aa[3] * bb[3]
		s4 += aa[4] * bb[4]
		s5 += aa[5] * bb[5]
		s6 += aa[6] * bb[6]
		s7 += aa[7] * bb[7]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

func l2Generic(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		aa := a[i : i+4 : i+4]
		bb := b[i : i+4 : i+4]
		d0 := aa[0] - bb[0]
		d1 := aa[1] - bb[1]
		d2 := aa[2] - bb[2]
		d3 := aa[3] - bb[3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < n; i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// Norm returns the Euclidean length of v.
func Norm(v []float32) float32 { return float32(math.Sqrt(float64(DotProduct(v, v)))) }

// Normalize scales v in place to unit length; a zero vector is left as it is.
func Normalize(v []float32) {
	n := Norm(v)
	if n == 0 {
		return
	}
	inv := 1 / n
	for i := range v {
		v[i] *= inv
	}
}

// Score compares two dense vectors under m, higher meaning more similar. For Cosine both
// vectors must already be normalised (indexes normalise at insert and at query time).
func Score(m Metric, a, b []float32) float32 {
	if m == L2 {
		return -float32(math.Sqrt(float64(L2Squared(a, b))))
	}
	return DotProduct(a, b)
}

// ValidMetric reports whether m is one of Cosine, Dot and L2.
func ValidMetric(m Metric) bool { return m == Cosine || m == Dot || m == L2 }

// ValidateSpaceConfig checks a space declaration: a plain-identifier name, a known metric
// and, for dense spaces, a positive dimension.
func ValidateSpaceConfig(cfg SpaceConfig) error {
	if !ValidSpaceName(cfg.Name) {
		return fmt.Errorf("%q: %w", cfg.Name, ErrBadSpaceName)
	}
	if !ValidMetric(cfg.Metric) {
		return fmt.Errorf("space %s: %w", cfg.Name, invalid("metric", fmt.Sprintf("unknown metric %q", cfg.Metric)))
	}
	if !cfg.Sparse && (cfg.Dim <= 0 || cfg.Dim > 1<<16) {
		return fmt.Errorf("space %s: %w", cfg.Name, invalid("dim", fmt.Sprintf("dimension %d out of range 1..65536", cfg.Dim)))
	}
	return nil
}

// NormalizeConfig returns cfg with the fields that do not apply cleared (Dim of sparse
// spaces), so configs can be compared for equality.
func NormalizeConfig(cfg SpaceConfig) SpaceConfig {
	if cfg.Sparse {
		cfg.Dim = 0
	}
	return cfg
}

// ValidateDense checks a dense vector against a space's dimension: not empty, dim long,
// only finite values.
func ValidateDense(v []float32, dim int) error {
	if len(v) == 0 {
		return fmt.Errorf("empty vector: %w", ErrBadVector)
	}
	if len(v) != dim {
		return fmt.Errorf("got %d values, space has %d: %w", len(v), dim, ErrDimensionMismatch)
	}
	return checkFinite(v)
}

// ValidateSparse checks a sparse vector: not empty, as many values as indices, strictly
// increasing indices, only finite values.
func ValidateSparse(v SparseVector) error {
	if len(v.Indices) == 0 {
		return fmt.Errorf("empty sparse vector: %w", ErrBadVector)
	}
	if len(v.Indices) != len(v.Values) {
		return fmt.Errorf("%d indices but %d values: %w", len(v.Indices), len(v.Values), ErrBadVector)
	}
	for i := 1; i < len(v.Indices); i++ {
		if v.Indices[i] <= v.Indices[i-1] {
			return fmt.Errorf("indices not strictly increasing at %d: %w", i, ErrBadVector)
		}
	}
	return checkFinite(v.Values)
}

func checkFinite(v []float32) error {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("value %d is %v: %w", i, x, ErrBadVector)
		}
	}
	return nil
}
