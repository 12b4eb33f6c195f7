package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd"
	"gonum.org/v1/gonum/mat"
)

// facTestDataset returns a small random Dataset: users users with 3..perUser distinct items
// each, items drawn with a popularity skew, weights in {1, 2, 3}.
func facTestDataset(seed uint64, users, items, perUser int) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := NewBuilder(Weights{ByType: map[string]float64{"a": 1, "b": 2, "c": 3}})
	for i := 0; i < items; i++ {
		b.AddItem(fmt.Sprintf("i%d", i))
	}
	types := []string{"a", "b", "c"}
	for u := 0; u < users; u++ {
		n := 3 + rng.IntN(perUser-2)
		for j := 0; j < n; j++ {
			it := int(float64(items) * rng.Float64() * rng.Float64()) // skewed to low indexes
			b.Add(recd.Event{UserID: fmt.Sprintf("u%d", u), ItemID: fmt.Sprintf("i%d", it),
				Type: types[rng.IntN(3)]})
		}
	}
	return b.Build()
}

func facSmallALS(t *testing.T, mod func(*ALSOptions)) (*ALS, *Dataset) {
	t.Helper()
	d := facTestDataset(1, 60, 40, 12)
	o := DefaultALSOptions()
	o.Factors, o.Iterations, o.Lambda = 8, 5, 1
	if mod != nil {
		mod(&o)
	}
	m := NewALS(o)
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatalf("fit: %v", err)
	}
	return m, d
}

func TestALS_Fit(t *testing.T) {
	t.Run("deterministic for a seed and any worker count", func(t *testing.T) {
		a, _ := facSmallALS(t, func(o *ALSOptions) { o.Workers = 1 })
		b, _ := facSmallALS(t, func(o *ALSOptions) { o.Workers = 3 })
		if !slices.Equal(a.UserFactors().Data, b.UserFactors().Data) ||
			!slices.Equal(a.ItemFactors().Data, b.ItemFactors().Data) {
			t.Fatal("factors differ between 1 and 3 workers")
		}
		c, _ := facSmallALS(t, func(o *ALSOptions) { o.Seed = 2 })
		if slices.Equal(a.ItemFactors().Data, c.ItemFactors().Data) {
			t.Fatal("a different seed gave identical factors")
		}
	})
	t.Run("shapes", func(t *testing.T) {
		m, d := facSmallALS(t, nil)
		u, i := m.UserFactors(), m.ItemFactors()
		if u.Rows != d.NumUsers() || i.Rows != d.NumItems() || u.Dim != 8 || i.Dim != 8 ||
			len(u.Data) != u.Rows*8 || len(i.Data) != i.Rows*8 {
			t.Fatalf("got users %dx%d items %dx%d", u.Rows, u.Dim, i.Rows, i.Dim)
		}
	})
	t.Run("exact solves never increase the loss", func(t *testing.T) {
		var losses []float64
		var iters []int
		facSmallALS(t, func(o *ALSOptions) {
			o.CGSteps, o.Iterations = 0, 6
			o.Progress = func(it int, loss float64, _ time.Duration) {
				iters = append(iters, it)
				losses = append(losses, loss)
			}
		})
		if !slices.Equal(iters, []int{1, 2, 3, 4, 5, 6}) {
			t.Fatalf("progress iterations %v", iters)
		}
		for i := 1; i < len(losses); i++ {
			if losses[i] > losses[i-1]*(1+1e-9) {
				t.Fatalf("loss rose from %g to %g at iteration %d", losses[i-1], losses[i], i+1)
			}
		}
	})
	t.Run("conjugate gradient converges to the exact solve", func(t *testing.T) {
		ex, _ := facSmallALS(t, func(o *ALSOptions) { o.CGSteps, o.Iterations = 0, 1 })
		cg, _ := facSmallALS(t, func(o *ALSOptions) { o.CGSteps, o.Iterations = 30, 1 })
		for n, v := range ex.ItemFactors().Data {
			if w := cg.ItemFactors().Data[n]; math.Abs(float64(v-w)) > 1e-4 {
				t.Fatalf("item factor %d: exact %g, cg %g", n, v, w)
			}
		}
	})
	t.Run("bad options and data", func(t *testing.T) {
		d := facTestDataset(1, 5, 5, 4)
		for name, mod := range map[string]func(*ALSOptions){
			"factors": func(o *ALSOptions) { o.Factors = 0 },
			"lambda":  func(o *ALSOptions) { o.Lambda = 0 },
			"alpha":   func(o *ALSOptions) { o.Alpha = math.NaN() },
		} {
			o := DefaultALSOptions()
			mod(&o)
			var fe *recd.FieldError
			err := NewALS(o).Fit(context.Background(), d)
			if !errors.As(err, &fe) || fe.Field != name {
				t.Errorf("%s: got %v, want a field error on %s", name, err, name)
			}
		}
		if err := NewALS(DefaultALSOptions()).Fit(context.Background(), nil); err == nil {
			t.Error("nil dataset: no error")
		}
		broken := *d
		broken.UserItems = append([]int32(nil), d.UserItems...)
		broken.UserItems[0] = 99
		if err := NewALS(DefaultALSOptions()).Fit(context.Background(), &broken); err == nil {
			t.Error("out-of-range item index: no error")
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := NewALS(DefaultALSOptions()).Fit(ctx, facTestDataset(1, 20, 20, 5))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("empty dataset", func(t *testing.T) {
		m := NewALS(DefaultALSOptions())
		if err := m.Fit(context.Background(), NewBuilder(DefaultWeights()).Build()); err != nil {
			t.Fatalf("fit: %v", err)
		}
		m.Score(-1, []int32{0}, nil, make([]float32, 3)) // must not panic
	})
}

// facNormalEquations returns A and b of the fold-in system for a history, built densely.
func facNormalEquations(m *ALS, items []int32, weights []float32) (*mat.SymDense, *mat.VecDense) {
	k, y := m.opts.Factors, m.ItemFactors()
	a := mat.NewSymDense(k, nil)
	for i := 0; i < y.Rows; i++ {
		for p := 0; p < k; p++ {
			for q := p; q < k; q++ {
				a.SetSym(p, q, a.At(p, q)+float64(y.Row(i)[p])*float64(y.Row(i)[q]))
			}
		}
	}
	for p := 0; p < k; p++ {
		a.SetSym(p, p, a.At(p, p)+m.opts.Lambda)
	}
	b := mat.NewVecDense(k, nil)
	for n, i := range items {
		c1 := m.opts.Alpha * math.Abs(float64(weights[n]))
		for p := 0; p < k; p++ {
			for q := p; q < k; q++ {
				a.SetSym(p, q, a.At(p, q)+c1*float64(y.Row(int(i))[p])*float64(y.Row(int(i))[q]))
			}
			if weights[n] > 0 {
				b.SetVec(p, b.AtVec(p)+(1+c1)*float64(y.Row(int(i))[p]))
			}
		}
	}
	return a, b
}

func TestALS_FoldIn(t *testing.T) {
	m, _ := facSmallALS(t, nil)
	t.Run("solves the normal equations", func(t *testing.T) {
		items, weights := []int32{3, 7, 1, 20}, []float32{1, 2.5, -3, 0.5}
		got := m.FoldIn(items, weights)
		a, b := facNormalEquations(m, items, weights)
		var want mat.VecDense
		if err := want.SolveVec(a, b); err != nil {
			t.Fatal(err)
		}
		for p, v := range got {
			if math.Abs(float64(v)-want.AtVec(p)) > 1e-4 {
				t.Fatalf("component %d: got %g, want %g", p, v, want.AtVec(p))
			}
		}
	})
	t.Run("long histories solve the normal equations", func(t *testing.T) {
		// 40 items take the gathered path, 300 items its chunking too.
		big := NewALS(m.opts)
		if err := big.Fit(context.Background(), facTestDataset(2, 200, 300, 40)); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{40, 300} {
			items, weights := make([]int32, n), make([]float32, n)
			for j := range items {
				items[j], weights[j] = int32(j), float32(j%4)-0.5
			}
			got := big.FoldIn(items, weights)
			a, b := facNormalEquations(big, items, weights)
			var want mat.VecDense
			if err := want.SolveVec(a, b); err != nil {
				t.Fatal(err)
			}
			for p, v := range got {
				if math.Abs(float64(v)-want.AtVec(p)) > 1e-4*(1+math.Abs(want.AtVec(p))) {
					t.Fatalf("n=%d, component %d: got %g, want %g", n, p, v, want.AtVec(p))
				}
			}
		}
	})
	t.Run("duplicates are summed and bad entries ignored", func(t *testing.T) {
		want := m.FoldIn([]int32{5, 2}, []float32{3, 1})
		got := m.FoldIn([]int32{2, 5, -1, 5, 1000, 9}, []float32{1, 1, 4, 2, 1, float32(math.NaN())})
		if !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		if !slices.Equal(m.FoldIn([]int32{4}, nil), m.FoldIn([]int32{4}, []float32{1})) {
			t.Fatal("nil weights differ from weight 1")
		}
	})
	t.Run("empty history gives the zero vector", func(t *testing.T) {
		if got := m.FoldIn(nil, nil); len(got) != 8 || slices.ContainsFunc(got, func(v float32) bool { return v != 0 }) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("FoldInTo reuses dst without allocating", func(t *testing.T) {
		if facRace {
			t.Skip("sync.Pool drops items under -race")
		}
		dst := make([]float32, 8)
		items, weights := []int32{1, 2, 3}, []float32{1, 1, 1}
		m.FoldInTo(dst, items, weights)
		if allocs := testing.AllocsPerRun(50, func() { m.FoldInTo(dst, items, weights) }); allocs != 0 {
			t.Fatalf("%v allocations per fold-in", allocs)
		}
	})
}

func TestALS_Score(t *testing.T) {
	m, d := facSmallALS(t, nil)
	dot := func(u []float32, i int) float32 {
		var s float32
		for p, v := range u {
			s += v * m.ItemFactors().Row(i)[p]
		}
		return s
	}
	check := func(t *testing.T, u []float32, got []float32) {
		t.Helper()
		for i, v := range got {
			if math.Abs(float64(v-dot(u, i))) > 1e-5 {
				t.Fatalf("item %d: got %g, want %g", i, v, dot(u, i))
			}
		}
	}
	dst := make([]float32, d.NumItems())
	t.Run("unchanged history uses the trained vector", func(t *testing.T) {
		items, weights := d.UserRow(4)
		m.Score(4, items, weights, dst)
		check(t, m.UserFactors().Row(4), dst)
	})
	t.Run("changed history is folded in", func(t *testing.T) {
		items, weights := d.UserRow(4)
		items = append(slices.Clone(items), 0)
		weights = append(slices.Clone(weights), 2)
		m.Score(4, items, weights, dst)
		check(t, m.FoldIn(items, weights), dst)
		m.Score(-1, items, weights, dst)
		check(t, m.FoldIn(items, weights), dst)
	})
	t.Run("folding in a trained history lands near the trained vector", func(t *testing.T) {
		items, weights := d.UserRow(4)
		f, u := m.FoldIn(items, weights), m.UserFactors().Row(4)
		var diff, norm float64
		for p := range f {
			diff += float64((f[p] - u[p]) * (f[p] - u[p]))
			norm += float64(u[p] * u[p])
		}
		if diff > 0.05*norm {
			t.Fatalf("fold-in is %.3g away from the trained vector of squared norm %.3g", diff, norm)
		}
	})
	t.Run("short and long dst", func(t *testing.T) {
		short := make([]float32, 3)
		m.Score(-1, []int32{1}, nil, short)
		check(t, m.FoldIn([]int32{1}, nil), short)
		long := slices.Repeat([]float32{7}, d.NumItems()+2)
		m.Score(-1, []int32{1}, nil, long)
		if long[d.NumItems()] != 0 || long[d.NumItems()+1] != 0 {
			t.Fatal("entries past the item count not zeroed")
		}
	})
	t.Run("concurrent scoring", func(t *testing.T) {
		facCheckConcurrentScore(t, m, d)
	})
	t.Run("no allocations in the steady state", func(t *testing.T) {
		if facRace {
			t.Skip("sync.Pool drops items under -race")
		}
		items, weights := d.UserRow(5)
		if n := testing.AllocsPerRun(20, func() { m.Score(-1, items, weights, dst) }); n != 0 {
			t.Fatalf("%v allocations per Score", n)
		}
	})
	t.Run("untrained model scores zero", func(t *testing.T) {
		out := []float32{1, 2}
		NewALS(DefaultALSOptions()).Score(0, []int32{0}, nil, out)
		if out[0] != 0 || out[1] != 0 {
			t.Fatalf("got %v", out)
		}
	})
}

// facCheckConcurrentScore scores every user, as known and as unknown, from 4 goroutines at once
// and checks the results against sequential scoring.
func facCheckConcurrentScore(t *testing.T, m Recommender, d *Dataset) {
	t.Helper()
	want := make([][]float32, 2*d.NumUsers())
	for n := range want {
		items, weights := d.UserRow(n / 2)
		want[n] = make([]float32, d.NumItems())
		m.Score(n/2-(n%2)*(n/2+1), items, weights, want[n]) // u, then -1
	}
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			dst := make([]float32, d.NumItems())
			for n := range want {
				items, weights := d.UserRow(n / 2)
				m.Score(n/2-(n%2)*(n/2+1), items, weights, dst)
				if !slices.Equal(dst, want[n]) {
					errs <- fmt.Sprintf("goroutine %d, case %d: scores differ", g, n)
					return
				}
			}
			errs <- ""
		}()
	}
	for range 4 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

// TestALS_WithoutUsers: a model saved without its user vectors, once decoded, scores every
// history as the fully saved one does (both fold users in), and the blob is smaller by the
// user vectors; the model it was made from keeps them.
func TestALS_WithoutUsers(t *testing.T) {
	m, d := facSmallALS(t, nil)
	full, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	lean, err := m.WithoutUsers().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if want := len(full) - 4*m.UserFactors().Rows*m.UserFactors().Dim; len(lean) != want {
		t.Errorf("blob without users is %d bytes, want %d", len(lean), want)
	}
	if m.UserFactors().Rows != d.NumUsers() {
		t.Fatalf("WithoutUsers changed the receiver: %d user rows", m.UserFactors().Rows)
	}
	a, b := NewALS(m.Options()), NewALS(m.Options())
	if err := a.UnmarshalBinary(full); err != nil {
		t.Fatal(err)
	}
	if err := b.UnmarshalBinary(lean); err != nil {
		t.Fatal(err)
	}
	sa, sb := make([]float32, d.NumItems()), make([]float32, d.NumItems())
	for u := range d.NumUsers() {
		items, ws := d.UserRow(u)
		a.Score(u, items, ws, sa)
		b.Score(u, items, ws, sb)
		if !slices.Equal(sa, sb) {
			t.Fatalf("user %d: scores differ between the model saved with and without user vectors", u)
		}
	}
}
