package model

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/recd/recd"
)

// ncfGroups has 40 users in two taste groups over 30 items: even users click items 0-14,
// odd users items 15-29, each with probability 0.6.
func ncfGroups(t testing.TB) *Dataset {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	b := NewBuilder(DefaultWeights())
	for u := 0; u < 40; u++ {
		base := 15 * (u % 2)
		for i := 0; i < 15; i++ {
			if rng.Float64() < 0.6 {
				b.Add(recd.Event{UserID: fmt.Sprint("u", u), ItemID: fmt.Sprint("i", base+i), Type: recd.EventClick})
			}
		}
	}
	return b.Build()
}

func ncfSmall() NCFOptions {
	o := DefaultNCFOptions()
	o.GMFDim, o.MLPDim, o.Layers, o.Epochs, o.BatchSize = 8, 8, []int{8, 4}, 15, 32
	o.LearningRate = 0.01
	return o
}

// ncfGroupAUC is the share of (in-group, out-of-group) unseen item pairs a user ranks correctly,
// averaged over users.
func ncfGroupAUC(m Recommender, d *Dataset) float64 {
	scores := make([]float32, d.NumItems())
	total := 0.0
	for u := 0; u < d.NumUsers(); u++ {
		items, ws := d.UserRow(u)
		seen := map[int32]bool{}
		for _, it := range items {
			seen[it] = true
		}
		m.Score(u, items, ws, scores)
		var uNum int
		fmt.Sscan(d.Users[u][1:], &uNum)
		good, pairs := 0, 0
		for i := range scores {
			for j := range scores {
				var ni, nj int
				fmt.Sscan(d.Items[i][1:], &ni)
				fmt.Sscan(d.Items[j][1:], &nj)
				if seen[int32(i)] || ni/15 != uNum%2 || nj/15 == uNum%2 {
					continue
				}
				pairs++
				if scores[i] > scores[j] {
					good++
				}
			}
		}
		total += float64(good) / float64(max(1, pairs))
	}
	return total / float64(d.NumUsers())
}

func TestNCF_Fit(t *testing.T) {
	d := ncfGroups(t)
	for _, loss := range []string{NCFLossBCE, NCFLossBPR} {
		for _, optim := range []string{NCFOptimAdam, NCFOptimSGD} {
			t.Run(loss+"/"+optim, func(t *testing.T) {
				o := ncfSmall()
				o.Loss, o.Optimizer = loss, optim
				if optim == NCFOptimSGD {
					o.LearningRate = 0.1
				}
				var epochs int
				o.Progress = func(int, float64, time.Duration) { epochs++ }
				m := NewNCF(o)
				if err := m.Fit(context.Background(), d); err != nil {
					t.Fatal(err)
				}
				if epochs != o.Epochs {
					t.Errorf("progress called %d times, want %d", epochs, o.Epochs)
				}
				if auc := ncfGroupAUC(m, d); auc < 0.9 {
					t.Errorf("in-group vs out-of-group AUC = %.3f, want ≥ 0.9", auc)
				}
			})
		}
	}
	t.Run("deterministic for a seed", func(t *testing.T) {
		fit := func(seed uint64) []float32 {
			o := ncfSmall()
			o.Epochs, o.Seed = 2, seed
			m := NewNCF(o)
			if err := m.Fit(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			s := make([]float32, d.NumItems())
			m.Score(3, nil, nil, s)
			return s
		}
		a, b, c := fit(1), fit(1), fit(2)
		same := func(x, y []float32) bool {
			for i := range x {
				if x[i] != y[i] {
					return false
				}
			}
			return true
		}
		if !same(a, b) {
			t.Error("two fits with seed 1 differ")
		}
		if same(a, c) {
			t.Error("seeds 1 and 2 gave identical scores")
		}
	})
	t.Run("bad options", func(t *testing.T) {
		for _, mod := range []func(*NCFOptions){
			func(o *NCFOptions) { o.Epochs = 0 },
			func(o *NCFOptions) { o.Loss = "mse" },
			func(o *NCFOptions) { o.Optimizer = "lbfgs" },
			func(o *NCFOptions) { o.Layers = nil },
			func(o *NCFOptions) { o.Layers = []int{4, 0} },
			func(o *NCFOptions) { o.LearningRate = 0 },
			func(o *NCFOptions) { o.Negatives = 0 },
		} {
			o := ncfSmall()
			mod(&o)
			if err := NewNCF(o).Fit(context.Background(), d); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("%+v: err = %v, want ErrInvalid", o, err)
			}
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := NewNCF(ncfSmall()).Fit(ctx, d); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestNCF_Score(t *testing.T) {
	d := ncfGroups(t)
	m := NewNCF(ncfSmall())
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	t.Run("unknown user gets the item bias", func(t *testing.T) {
		got := make([]float32, d.NumItems())
		m.Score(-1, []int32{1, 2}, nil, got)
		for i := range got {
			if got[i] != m.bi.v[i] {
				t.Fatalf("score[%d] = %v, want item bias %v", i, got[i], m.bi.v[i])
			}
		}
	})
	t.Run("gmf only", func(t *testing.T) {
		o := ncfSmall()
		o.MLPDim, o.Layers = 0, nil
		g := NewNCF(o)
		if err := g.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		if auc := ncfGroupAUC(g, d); auc < 0.9 {
			t.Errorf("GMF-only AUC = %.3f, want ≥ 0.9", auc)
		}
	})
	t.Run("marshal round trip", func(t *testing.T) {
		data, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var m2 NCF
		if err := m2.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		a, b := make([]float32, d.NumItems()), make([]float32, d.NumItems())
		for _, u := range []int{0, 7, -1} {
			m.Score(u, nil, nil, a)
			m2.Score(u, nil, nil, b)
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("user %d item %d: %v after round trip, want %v", u, i, b[i], a[i])
				}
			}
		}
		for _, bad := range [][]byte{nil, data[:20], data[:len(data)-4], append(append([]byte{}, data...), 0)} {
			if err := new(NCF).UnmarshalBinary(bad); err == nil {
				t.Errorf("corrupt input of %d bytes accepted", len(bad))
			}
		}
	})
}
