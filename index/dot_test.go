package index

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDotProduct_Kernels checks the dispatching DotProduct and L2Squared (assembly where
// available) against float64 sums, for lengths around every unrolling boundary.
func TestDotProduct_Kernels(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for n := 0; n <= 100; n++ {
		a, b := make([]float32, n), make([]float32, n+3)
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		var dot, l2 float64
		for i := range a {
			a[i] = float32(r.NormFloat64())
			dot += float64(a[i]) * float64(b[i])
			l2 += (float64(a[i]) - float64(b[i])) * (float64(a[i]) - float64(b[i]))
		}
		tol := 1e-4 * float64(n+1)
		if got := DotProduct(a, b); math.Abs(float64(got)-dot) > tol {
			t.Errorf("n=%d: DotProduct = %v, want %v", n, got, dot)
		}
		if got := dotGeneric(a, b); math.Abs(float64(got)-dot) > tol {
			t.Errorf("n=%d: dotGeneric = %v, want %v", n, got, dot)
		}
		if got := L2Squared(a, b); math.Abs(float64(got)-l2) > tol {
			t.Errorf("n=%d: L2Squared = %v, want %v", n, got, l2)
		}
		if got := l2Generic(a, b); math.Abs(float64(got)-l2) > tol {
			t.Errorf("n=%d: l2Generic = %v, want %v", n, got, l2)
		}
	}
}

func BenchmarkDotProduct(b *testing.B) {
	x, y := make([]float32, 64), make([]float32, 64)
	for i := range x {
		x[i], y[i] = float32(i), float32(64-i)
	}
	b.Run("dispatch", func(b *testing.B) {
		for b.Loop() {
			DotProduct(x, y)
		}
	})
	b.Run("generic", func(b *testing.B) {
		for b.Loop() {
			dotGeneric(x, y)
		}
	})
}
