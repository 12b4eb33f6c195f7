package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/recd/recd"
	"gonum.org/v1/gonum/mat"
)

// easeFixture has 30 users over 12 items with seeded random clicks; item "rare" has one user.
func easeFixture(t testing.TB, users int) *Dataset {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	b := NewBuilder(DefaultWeights())
	for u := 0; u < users; u++ {
		for i := 0; i < 12; i++ {
			if rng.Float64() < 0.4 || i == u%12 {
				b.Add(recd.Event{UserID: fmt.Sprint("u", u), ItemID: fmt.Sprint("i", i), Type: recd.EventClick})
			}
		}
	}
	b.Add(recd.Event{UserID: "u0", ItemID: "rare", Type: recd.EventClick})
	return b.Build()
}

// easeReference computes B densely over the kept items with gonum's general inverse.
func easeReference(t *testing.T, d *Dataset, kept []int32, lambda float64) *mat.Dense {
	n := len(kept)
	x := mat.NewDense(d.NumUsers(), n, nil)
	for c, it := range kept {
		us, ws := d.ItemCol(int(it))
		for k, u := range us {
			x.Set(int(u), c, float64(ws[k]))
		}
	}
	var g mat.Dense
	g.Mul(x.T(), x)
	for i := 0; i < n; i++ {
		g.Set(i, i, g.At(i, i)+lambda)
	}
	var p mat.Dense
	if err := p.Inverse(&g); err != nil {
		t.Fatal(err)
	}
	b := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				b.Set(i, j, -p.At(i, j)/p.At(j, j))
			}
		}
	}
	return b
}

func TestEASE_Fit(t *testing.T) {
	d := easeFixture(t, 30)
	for _, solver := range []string{EASESolverItems, EASESolverUsers, EASESolverAuto} {
		t.Run(solver, func(t *testing.T) {
			opt := DefaultEASEOptions()
			opt.Lambda, opt.MinCount, opt.Solver, opt.Workers = 3, 2, solver, 2
			m := NewEASE(opt)
			if err := m.Fit(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			if m.Kept != 12 || m.slot[d.ItemIndex["rare"]] != -1 {
				t.Fatalf("kept %d items (rare slot %d), want the 12 items with ≥ 2 users", m.Kept, m.slot[d.ItemIndex["rare"]])
			}
			if solver == EASESolverAuto && m.SolverUsed != EASESolverItems {
				t.Errorf("auto with 30 users and 12 items used %s, want items", m.SolverUsed)
			}
			want := easeReference(t, d, m.kept, 3)
			for i := 0; i < m.Kept; i++ {
				for j := 0; j < m.Kept; j++ {
					if got := float64(m.b[i*m.Kept+j]); math.Abs(got-want.At(i, j)) > 1e-5 {
						t.Fatalf("B[%d][%d] = %v, want %v", i, j, got, want.At(i, j))
					}
				}
			}
		})
	}
	t.Run("users solver chosen when users are fewer", func(t *testing.T) {
		d := easeFixture(t, 8)
		opt := DefaultEASEOptions()
		opt.MinCount, opt.Lambda = 1, 2
		m := NewEASE(opt)
		if err := m.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		if m.SolverUsed != EASESolverUsers {
			t.Errorf("solver = %s, want users", m.SolverUsed)
		}
		want := easeReference(t, d, m.kept, 2)
		for i := 0; i < m.Kept; i++ {
			for j := 0; j < m.Kept; j++ {
				if got := float64(m.b[i*m.Kept+j]); math.Abs(got-want.At(i, j)) > 1e-5 {
					t.Fatalf("B[%d][%d] = %v, want %v", i, j, got, want.At(i, j))
				}
			}
		}
	})
	t.Run("max items guard", func(t *testing.T) {
		opt := DefaultEASEOptions()
		opt.MinCount, opt.MaxItems = 1, 5
		err := NewEASE(opt).Fit(context.Background(), d)
		if !errors.Is(err, ErrTooManyItems) {
			t.Fatalf("err = %v, want ErrTooManyItems", err)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		for _, o := range []EASEOptions{{Lambda: 0, MaxItems: 10}, {Lambda: 1, MaxItems: 0}, {Lambda: 1, MaxItems: 10, Solver: "qr"}} {
			if err := NewEASE(o).Fit(context.Background(), d); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("%+v: err = %v, want ErrInvalid", o, err)
			}
		}
	})
}

func TestEASE_Score(t *testing.T) {
	d := easeFixture(t, 30)
	opt := DefaultEASEOptions()
	opt.Lambda, opt.MinCount = 3, 2
	m := NewEASE(opt)
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	items, ws := d.UserRow(0)
	got := make([]float32, d.NumItems())
	m.Score(0, items, ws, got)
	for j, it := range m.kept {
		want := m.pop[it]
		for n, h := range items {
			if s := m.slot[h]; s >= 0 {
				want += ws[n] * m.b[int(s)*m.Kept+j]
			}
		}
		if math.Abs(float64(got[it]-want)) > 1e-6 {
			t.Errorf("score[%d] = %v, want %v", it, got[it], want)
		}
	}
	if r := d.ItemIndex["rare"]; got[r] != m.pop[r] {
		t.Errorf("item outside the model scored %v, want its tie-break %v", got[r], m.pop[r])
	}
	t.Run("unknown user with no history ranks by popularity", func(t *testing.T) {
		got := make([]float32, d.NumItems())
		m.Score(-1, nil, nil, got)
		for i := range got {
			for j := range got {
				if d.ItemCount[i] > d.ItemCount[j] && got[i] <= got[j] {
					t.Fatalf("item %d (count %d) scored %v ≤ item %d (count %d) %v", i, d.ItemCount[i], got[i], j, d.ItemCount[j], got[j])
				}
			}
		}
	})
}

func TestEASE_MarshalBinary(t *testing.T) {
	d := easeFixture(t, 30)
	opt := DefaultEASEOptions()
	opt.MinCount = 2
	m := NewEASE(opt)
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if m.SizeBytes() != int64(len(data)) {
		t.Errorf("SizeBytes = %d, want %d", m.SizeBytes(), len(data))
	}
	var m2 EASE
	if err := m2.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	items, ws := d.UserRow(3)
	a, b := make([]float32, d.NumItems()), make([]float32, d.NumItems())
	m.Score(3, items, ws, a)
	m2.Score(3, items, ws, b)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("score[%d] %v after round trip, want %v", i, b[i], a[i])
		}
	}
	if m2.Opt.Lambda != opt.Lambda || m2.Kept != m.Kept {
		t.Errorf("options/kept not restored: %+v %d", m2.Opt, m2.Kept)
	}
	for _, bad := range [][]byte{nil, []byte("recdEASE"), data[:len(data)-1], append([]byte("xxxxxxxx"), data[8:]...)} {
		if err := new(EASE).UnmarshalBinary(bad); err == nil {
			t.Errorf("corrupt input of %d bytes accepted", len(bad))
		}
	}
}
