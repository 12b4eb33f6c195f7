package service

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recd/recd/gbdt"
)

// TestOnlineDataset_IPWRecoversTheTrueOrder simulates logged lists with a known position
// bias: a logging ranker ordered each list by x1, which says nothing about relevance; users
// examine position p with probability 1/(p+1) and click an examined item with probability
// x0^2 (x2 is noise). Trained on those clicks without correction, a ranker learns x1 (what
// was on top gets clicked); weighted by inverse propensities from the position-CTR curve of
// the same logs, it recovers the order by x0, on fresh lists, better.
func TestOnlineDataset_IPWRecoversTheTrueOrder(t *testing.T) {
	const size, nf = 10, 3
	names := []string{"x0", "x1", "x2"}
	rng := rand.New(rand.NewPCG(3, 4))
	var lists []loggedList
	shown, clicks := make([]float64, size), make([]float64, size)
	for range 4000 {
		rows := make([][]float32, size)
		for i := range rows {
			rows[i] = []float32{rng.Float32(), rng.Float32(), rng.Float32()}
		}
		slices.SortFunc(rows, func(a, b []float32) int { return cmp.Compare(b[1], a[1]) }) // the logging order
		l := loggedList{Grades: make([]float32, size)}
		for p, r := range rows {
			l.X = append(l.X, r...)
			shown[p]++
			if rng.Float64() < 1/float64(p+1) && rng.Float64() < float64(r[0]*r[0]) {
				l.Grades[p] = 1
				clicks[p]++
			}
		}
		lists = append(lists, l)
	}
	curve := make([]float64, size)
	for p := range curve {
		curve[p] = clicks[p] / shown[p]
	}
	prop := propensities(curve)
	if prop[0] != 1 || prop[5] > 0.3 || prop[5] < 0.1 {
		t.Fatalf("propensities %v, want about 1/(p+1)", prop)
	}
	params := gbdt.DefaultParams()
	params.Trees, params.EarlyStop, params.Seed, params.MaxLeaves = 60, 0, 1, 15
	fit := func(prop []float64) *gbdt.Model {
		m, err := gbdt.TrainLambdaMART(context.Background(), onlineDataset(lists, names, prop), nil, params, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	naive, debiased := fit(nil), fit(prop)
	test := rand.New(rand.NewPCG(5, 6))
	var gotNaive, gotDebiased float64
	const groups = 500
	for range groups {
		X := make([]float32, size*nf)
		truth := make([]float64, size)
		for i := range truth {
			X[i*nf], X[i*nf+1], X[i*nf+2] = test.Float32(), test.Float32(), test.Float32()
			truth[i] = float64(X[i*nf] * X[i*nf])
		}
		for _, c := range []struct {
			m   *gbdt.Model
			sum *float64
		}{{naive, &gotNaive}, {debiased, &gotDebiased}} {
			scores := make([]float64, size)
			c.m.PredictRows(X, scores)
			*c.sum += ndcgOf(scores, truth, size) / groups
		}
	}
	t.Logf("NDCG@%d of the true order on fresh lists: naive %.4f, debiased %.4f", size, gotNaive, gotDebiased)
	if gotDebiased < gotNaive+0.02 {
		t.Fatalf("the debiased ranker (NDCG %.4f) does not recover the true order better than the naive one (%.4f)", gotDebiased, gotNaive)
	}
	// The naive ranker leans on the logging order x1, the debiased one much less.
	share := func(m *gbdt.Model) float64 {
		imp := m.Importance()
		return imp[1] / (imp[0] + imp[1] + imp[2])
	}
	n, d := share(naive), share(debiased)
	t.Logf("x1's share of the trees' gain: naive %.2f, debiased %.2f", n, d)
	if n < 0.3 || d > n/2 {
		t.Errorf("x1's share of the gain: naive %.2f, debiased %.2f; want the naive ranker to lean on the logging order", n, d)
	}
}

// ndcgOf is the NDCG@k of ordering by scores, with the true relevances as gains.
func ndcgOf(scores, truth []float64, k int) float64 {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	dcg := func(by []float64) float64 {
		slices.SortFunc(order, func(a, b int) int { return cmp.Compare(by[b], by[a]) })
		s := 0.0
		for p, i := range order[:k] {
			s += truth[i] / math.Log2(float64(p+2))
		}
		return s
	}
	return dcg(scores) / dcg(truth)
}
