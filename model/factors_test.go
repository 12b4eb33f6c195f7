package model

import (
	"context"
	"encoding"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestFactors_Row(t *testing.T) {
	f := Factors{Rows: 2, Dim: 3, Data: []float32{1, 2, 3, 4, 5, 6}}
	if got := f.Row(1); !slices.Equal(got, []float32{4, 5, 6}) {
		t.Fatalf("got %v", got)
	}
	if r := f.Row(0); cap(r) != 3 {
		t.Fatalf("row capacity %d lets an append overwrite the next row", cap(r))
	}
}

func TestFacCholSolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const n = 12
	m := mat.NewDense(n+4, n, nil)
	for i := 0; i < n+4; i++ {
		for j := 0; j < n; j++ {
			m.Set(i, j, rng.NormFloat64())
		}
	}
	var a mat.SymDense
	a.SymOuterK(1, m.T())
	b := make([]float64, n)
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	var want mat.VecDense
	if err := want.SolveVec(&a, mat.NewVecDense(n, slices.Clone(b))); err != nil {
		t.Fatal(err)
	}
	raw := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			raw[i*n+j] = a.At(i, j)
		}
	}
	if !facCholSolve(raw, n, b) {
		t.Fatal("reported not positive definite")
	}
	for i, v := range b {
		if math.Abs(v-want.AtVec(i)) > 1e-8 {
			t.Fatalf("x[%d] = %g, want %g", i, v, want.AtVec(i))
		}
	}
	t.Run("indefinite", func(t *testing.T) {
		if facCholSolve([]float64{1, 2, 2, 1}, 2, []float64{1, 1}) {
			t.Fatal("accepted an indefinite matrix")
		}
	})
}

func TestFacGram(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const rows, k = 5000, 6 // more than two blocks
	a := make([]float32, rows*k)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	g1 := facGram(a, rows, k, 1)
	g3 := facGram(a, rows, k, 3)
	if !slices.Equal(g1, g3) {
		t.Fatal("Gram differs between 1 and 3 workers")
	}
	for p := 0; p < k; p++ {
		for q := 0; q < k; q++ {
			want := 0.0
			for r := 0; r < rows; r++ {
				want += float64(a[r*k+p]) * float64(a[r*k+q])
			}
			if math.Abs(g1[p*k+q]-want) > 1e-5*math.Abs(want)+1e-3 {
				t.Fatalf("G[%d][%d] = %g, want %g", p, q, g1[p*k+q], want)
			}
		}
	}
}

// facCheckCodec checks that blob decodes into an equal model and that every truncation and a
// sample of single-bit flips are rejected without a panic.
func facCheckCodec(t *testing.T, blob []byte, fresh func() encoding.BinaryUnmarshaler) {
	t.Helper()
	if err := fresh().UnmarshalBinary(blob); err != nil {
		t.Fatalf("round trip: %v", err)
	}
	step := max(1, len(blob)/200)
	for n := 0; n < len(blob); n += step {
		if err := fresh().UnmarshalBinary(blob[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(blob))
		}
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for range 200 {
		bad := slices.Clone(blob)
		bad[rng.IntN(len(bad))] ^= 1 << rng.IntN(8)
		if err := fresh().UnmarshalBinary(bad); err == nil {
			t.Fatal("bit flip: no error")
		}
	}
	if err := fresh().UnmarshalBinary(append(slices.Clone(blob), 0)); err == nil {
		t.Fatal("trailing byte: no error")
	}
}

func TestALS_MarshalBinary(t *testing.T) {
	m, d := facSmallALS(t, nil)
	blob, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got ALS
	if err := got.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	if got.Options().Factors != 8 || got.Options().Lambda != m.Options().Lambda ||
		!slices.Equal(got.UserFactors().Data, m.UserFactors().Data) ||
		!slices.Equal(got.ItemFactors().Data, m.ItemFactors().Data) {
		t.Fatal("decoded model differs")
	}
	items, weights := d.UserRow(2)
	want, have := make([]float32, d.NumItems()), make([]float32, d.NumItems())
	m.Score(-1, items, weights, want)
	got.Score(2, items, weights, have)
	if !slices.Equal(want, have) {
		t.Fatal("decoded model scores differently")
	}
	facCheckCodec(t, blob, func() encoding.BinaryUnmarshaler { return NewALS(DefaultALSOptions()) })
	t.Run("failed decode leaves the model unchanged", func(t *testing.T) {
		if err := m.UnmarshalBinary(blob[:len(blob)-1]); err == nil {
			t.Fatal("no error")
		}
		if m.ItemFactors().Rows != d.NumItems() {
			t.Fatal("model changed")
		}
	})
}

func FuzzALS_UnmarshalBinary(f *testing.F) {
	d := facTestDataset(1, 10, 8, 5)
	o := DefaultALSOptions()
	o.Factors, o.Iterations = 3, 2
	m := NewALS(o)
	if err := m.Fit(context.Background(), d); err != nil {
		f.Fatal(err)
	}
	blob, _ := m.MarshalBinary()
	f.Add(blob)
	f.Add([]byte("RALS"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got ALS
		if err := got.UnmarshalBinary(data); err != nil {
			return
		}
		// Whatever decodes must be usable.
		got.Score(-1, []int32{0, 1}, nil, make([]float32, got.ItemFactors().Rows))
	})
}

func TestFactorModel_UserVector(t *testing.T) {
	als, d := facSmallALS(t, nil)
	bpr, _ := facSmallBPR(t, nil)
	for _, m := range []FactorModel{als, bpr} {
		t.Run(m.Name(), func(t *testing.T) {
			dst := make([]float32, d.NumItems())
			trained, tw := d.UserRow(3)
			changed := append(slices.Clone(trained), 0)
			for _, c := range []struct {
				u       int
				items   []int32
				weights []float32
			}{{3, trained, tw}, {3, changed, nil}, {-1, trained, tw}} {
				m.Score(c.u, c.items, c.weights, dst)
				uv, iv := m.UserVector(c.u, c.items, c.weights), m.ItemVectors()
				if iv.Rows != d.NumItems() || len(uv) != iv.Dim {
					t.Fatalf("user dim %d, items %dx%d", len(uv), iv.Rows, iv.Dim)
				}
				for i := range dst {
					if got := facDot(uv, iv.Row(i)); math.Abs(got-float64(dst[i])) > 1e-5 {
						t.Fatalf("u=%d item %d: dot %g, Score %g", c.u, i, got, dst[i])
					}
				}
			}
		})
	}
}

// facBlob encodes an ALS blob from raw header fields and factor matrices, with a valid
// checksum, so that the decoder's content checks (not the checksum) are exercised.
func facBlob(factors uint32, lambda float64, users, items Factors) []byte {
	e := &facEncoder{}
	e.buf = append(e.buf, alsMagic...)
	e.buf = append(e.buf, alsVersion, 0)
	e.u32(factors)
	e.u32(15)
	e.u32(3)
	e.f64(2)
	e.f64(lambda)
	e.f64(0.1)
	e.u64(1)
	e.factors(users)
	e.factors(items)
	return e.finish()
}

func TestALS_UnmarshalBinary(t *testing.T) {
	f := func(rows, dim int, v float32) Factors {
		return Factors{Rows: rows, Dim: dim, Data: slices.Repeat([]float32{v}, rows*dim)}
	}
	if err := NewALS(DefaultALSOptions()).UnmarshalBinary(facBlob(2, 1, f(3, 2, 1), f(4, 2, 1))); err != nil {
		t.Fatalf("valid blob: %v", err)
	}
	for name, blob := range map[string][]byte{
		"zero factors":     facBlob(0, 1, f(0, 0, 0), f(0, 0, 0)),
		"too many factors": facBlob(5000, 1, f(0, 5000, 0), f(0, 5000, 0)),
		"negative lambda":  facBlob(2, -1, f(3, 2, 1), f(4, 2, 1)),
		"dim mismatch":     facBlob(2, 1, f(3, 3, 1), f(4, 2, 1)),
		"NaN factor":       facBlob(2, 1, f(3, 2, float32(math.NaN())), f(4, 2, 1)),
		"infinite factor":  facBlob(2, 1, f(3, 2, 1), f(4, 2, float32(math.Inf(1)))),
		"rows beyond data": func() []byte {
			b := facBlob(2, 1, f(3, 2, 1), f(4, 2, 1))
			body := b[:len(b)-4]
			// users.Rows sits after magic(4)+version(2)+3×u32+3×f64+u64 = 50 bytes.
			binary.LittleEndian.PutUint32(body[50:], 1<<30)
			return binary.LittleEndian.AppendUint32(body, crc32.ChecksumIEEE(body))
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			err := NewALS(DefaultALSOptions()).UnmarshalBinary(blob)
			if !errors.Is(err, errFacCorrupt) {
				t.Fatalf("got %v, want errFacCorrupt", err)
			}
		})
	}
}

func TestALSScratch_cg(t *testing.T) {
	// Rows of 100 interactions take the gathered path; 9000 at k = 8 exceed alsGatherMax and
	// read in place. Both must converge to the exact solve.
	const k = 8
	rng := rand.New(rand.NewPCG(6, 6))
	other := make([]float32, 10000*k)
	for i := range other {
		other[i] = float32(rng.NormFloat64() * 0.1)
	}
	g := facGram(other, 10000, k, 1)
	for j := 0; j < k; j++ {
		g[j*k+j] += 1
	}
	g32 := make([]float32, len(g))
	for i, v := range g {
		g32[i] = float32(v)
	}
	for _, n := range []int{100, 9000} {
		idx, w := make([]int32, n), make([]float32, n)
		for j := range idx {
			idx[j], w[j] = int32(j), float32(1+j%3)
		}
		s := newALSScratch(k)
		want, got := make([]float32, k), make([]float32, k)
		s.exact(want, g, other, idx, w, 2)
		s.cg(got, g32, other, idx, w, 2, 40)
		for j := range want {
			if math.Abs(float64(got[j]-want[j])) > 1e-3*(1+math.Abs(float64(want[j]))) {
				t.Fatalf("n=%d: component %d: cg %g, exact %g", n, j, got[j], want[j])
			}
		}
	}
}

// TestALSScratch_exactAddRows checks that adding interactions a batch at a time (the AVX2
// kernel where the CPU has it, and the Go loop) gives A and b equal to the bit to adding
// them one at a time with exactAdd, for dimensions around the kernel's four-wide steps.
func TestALSScratch_exactAddRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, 3, 4, 5, 8, 13, 64, 67} {
		a0 := make([]float64, k*k)
		for i := range a0 {
			a0[i] = rng.NormFloat64()
		}
		for _, tc := range []struct{ n, zero int }{{1, -1}, {3, -1}, {4, -1}, {4, 2}} {
			n := tc.n
			ys := make([]float64, exactBatch*k)
			for i := range ys {
				ys[i] = rng.NormFloat64()
			}
			c1, pref := make([]float64, n), make([]float64, n)
			for m := range c1 {
				c1[m], pref[m] = 2*rng.Float64(), float64(m%2)
			}
			if tc.zero >= 0 {
				c1[tc.zero] = 0 // a dislike's c1 is positive, but a zero must change nothing either
			}
			want := newALSScratch(k)
			copy(want.a, a0)
			for m := range n {
				want.exactAdd(ys[m*k:(m+1)*k], c1[m], pref[m])
			}
			paths := map[string]func(s *alsScratch){
				"exactAddRows": func(s *alsScratch) { s.exactAddRows(ys, c1, pref) },
			}
			if n == exactBatch {
				paths["exactAddRowsGo"] = func(s *alsScratch) { // A alone; b as exactAddRows adds it
					s.exactAddRowsGo(ys, c1)
					copy(s.b, want.b)
				}
			}
			for name, add := range paths {
				got := newALSScratch(k)
				copy(got.a, a0)
				add(got)
				for i := range got.a {
					if j, c := i/k, i%k; c <= j && math.Float64bits(got.a[i]) != math.Float64bits(want.a[i]) {
						t.Fatalf("%s k=%d n=%d: A[%d][%d] = %v, want %v", name, k, n, j, c, got.a[i], want.a[i])
					}
				}
				if !slices.Equal(got.b, want.b) {
					t.Fatalf("%s k=%d n=%d: b = %v, want %v", name, k, n, got.b, want.b)
				}
			}
		}
	}
}
