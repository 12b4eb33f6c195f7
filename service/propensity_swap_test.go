package service

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recd/recd/gbdt"
)

// swapLogs simulates logged lists of 10 items whose logging policy orders them by its score
// x1 = mix*x0 + (1-mix)*noise, where x0 is the relevance (mix 1 is the case that fools the
// logged curve most: relevance falls down the list with examination). Users examine
// position p with probability exam(p) and click an examined item with probability x0^2. A
// share of the lists is swapped as swapForPropensity does, drawn by swapDraw from the list's
// index as its id. It returns the lists and the logged position-CTR curve of all of them.
func swapLogs(n int, share, mix float64, exam func(int) float64, seed uint64) ([]loggedList, []float64) {
	const size = 10
	rng := rand.New(rand.NewPCG(seed, 7))
	shown, clicks := make([]float64, size), make([]float64, size)
	lists := make([]loggedList, 0, n)
	for i := range n {
		rows := make([][]float32, size)
		for j := range rows {
			x0 := rng.Float32()
			rows[j] = []float32{x0, float32(mix)*x0 + float32(1-mix)*rng.Float32()}
		}
		slices.SortFunc(rows, func(a, b []float32) int { return cmp.Compare(b[1], a[1]) })
		k := swapDraw(fmt.Sprintf("list-%d", i), share, size, seed)
		rows[0], rows[k] = rows[k], rows[0]
		l := loggedList{Grades: make([]float32, size), Swap: k}
		for p, r := range rows {
			l.X = append(l.X, r...)
			shown[p]++
			if rng.Float64() < exam(p) && rng.Float64() < float64(r[0]*r[0]) {
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
	return lists, curve
}

// simExam is the simulator's click model's examination: 1/(1+p)^0.8.
func simExam(p int) float64 { return math.Pow(1+float64(p), -0.8) }

// TestSwapPropensities_RecoverExamination checks the swap estimate against the true
// examination curve on logs ordered by relevance, where the logged curve falls too fast.
func TestSwapPropensities_RecoverExamination(t *testing.T) {
	lists, curve := swapLogs(20000, 0.3, 1, simExam, 1)
	swap, swapped := swapPropensities(lists)
	if swap == nil || swapped < 5000 || swapped > 7000 {
		t.Fatalf("swap estimate %v from %d swapped lists, want one from about 6000", swap, swapped)
	}
	logged := propensities(curve)
	var errSwap, errLogged float64
	for p := 1; p < 10; p++ {
		truth := simExam(p)
		errSwap = max(errSwap, math.Abs(swap[p]-truth))
		errLogged = max(errLogged, math.Abs(logged[p]-truth))
		t.Logf("position %d: true %.3f, swaps %.3f, logged %.3f", p, truth, swap[p], logged[p])
	}
	if errSwap > 0.06 {
		t.Errorf("the swap estimate is %.3f off the true curve at worst, want within 0.06", errSwap)
	}
	if errLogged < 2*errSwap || errLogged < 0.1 {
		t.Errorf("the logged curve is %.3f off at worst, the swaps %.3f: want the logged curve fooled by the relevance order", errLogged, errSwap)
	}
	if p9 := logged[9]; p9 > 0.8*simExam(9) {
		t.Errorf("the logged curve at position 9 is %.3f, want well below the true %.3f", p9, simExam(9))
	}
}

// TestSwapPropensities_TooFewSwaps checks the fallback: below minSwapLists swapped lists the
// estimate is nil, and choosePropensities says it used the logged curve.
func TestSwapPropensities_TooFewSwaps(t *testing.T) {
	lists, curve := swapLogs(minSwapLists*4, 0.2, 1, simExam, 2)
	prop, swapped := swapPropensities(lists)
	if prop != nil || swapped >= minSwapLists {
		t.Fatalf("%d swapped lists gave %v, want no estimate below %d", swapped, prop, minSwapLists)
	}
	info := choosePropensities(lists, curve, true)
	if info.Source != PropensityLogged || !slices.Equal(info.Propensities, propensities(curve)) {
		t.Errorf("fallback %+v, want the logged curve's propensities", info)
	}
	lists, curve = swapLogs(minSwapLists*4, 0.5, 1, simExam, 2)
	if info := choosePropensities(lists, curve, true); info.Source != PropensitySwaps || info.SwappedLists < minSwapLists {
		t.Errorf("with %d swapped lists: %+v, want the swap estimate", info.SwappedLists, info)
	}
	if info := choosePropensities(lists, curve, false); info.Source != PropensityNone || info.Propensities != nil {
		t.Errorf("debias off: %+v, want none", info)
	}
}

// TestSwapDraw checks the draw: deterministic for an id and seed, about the share asked
// for, every lower position about equally often, never the top.
func TestSwapDraw(t *testing.T) {
	const n, lists = 10, 30000
	count := make([]int, n)
	for i := range lists {
		id := fmt.Sprintf("list-%d", i)
		k := swapDraw(id, 0.25, n, 3)
		if k != swapDraw(id, 0.25, n, 3) {
			t.Fatal("the draw is not deterministic for an id")
		}
		count[k]++
	}
	if got := float64(lists-count[0]) / lists; math.Abs(got-0.25) > 0.015 {
		t.Errorf("swapped share %.3f, want 0.25", got)
	}
	for k := 1; k < n; k++ {
		if want := 0.25 * lists / (n - 1); math.Abs(float64(count[k])-want) > 0.15*want {
			t.Errorf("position %d drawn %d times, want about %.0f", k, count[k], want)
		}
	}
	if swapDraw("x", 0, n, 3) != 0 || swapDraw("x", 1, 1, 3) != 0 || swapDraw("x", 1, n, 3) == 0 {
		t.Error("share 0 or a one-item list swapped, or share 1 did not")
	}
}

// TestSwapPropensities_IPWRecoversTheTrueOrder trains rankers on logs ordered by a score x1
// half relevance, half noise, with a strong position bias: weighted by the swap estimate, the
// ranker orders fresh lists by relevance better than one trained on the raw clicks, which
// learns to keep what the logging score put on top.
func TestSwapPropensities_IPWRecoversTheTrueOrder(t *testing.T) {
	exam := func(p int) float64 { return 1 / float64(p+1) }
	lists, _ := swapLogs(6000, 0.3, 0.5, exam, 4)
	prop, _ := swapPropensities(lists)
	if prop == nil {
		t.Fatal("no swap estimate")
	}
	names := []string{"x0", "x1"}
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
	const groups, size = 500, 10
	for range groups {
		X := make([]float32, size*2)
		truth := make([]float64, size)
		for i := range truth {
			X[i*2], X[i*2+1] = test.Float32(), test.Float32()
			truth[i] = float64(X[i*2] * X[i*2])
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
	t.Logf("NDCG@%d of the true order on fresh lists: naive %.4f, swap-debiased %.4f", size, gotNaive, gotDebiased)
	if gotDebiased < gotNaive+0.02 {
		t.Errorf("the swap-debiased ranker (NDCG %.4f) does not recover the true order better than the naive one (%.4f)", gotDebiased, gotNaive)
	}
}

// TestReader_SwapForPropensity serves the same request with swaps off and on: a swapped list
// is the ranked one with its top item and the item at the drawn position exchanged, in the
// response and in the stored feature rows alike, and the impression records the position.
func TestReader_SwapForPropensity(t *testing.T) {
	ctx := t.Context()
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "", withLoggedFeatures(t))
	noSession := 0.0
	req := RecommendRequest{UserID: "u01", N: 6, SessionWeight: &noSession}
	plain, err := s.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	s.opts.Ranker.PropensitySwaps = 1
	swapped, err := s.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := s.read.imp.st.GetImpression(ctx, plain.RecommendationID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.read.imp.st.GetImpression(ctx, swapped.RecommendationID)
	if err != nil {
		t.Fatal(err)
	}
	k := b.Features.Swap
	if a.Features.Swap != 0 || k < 1 || k >= len(plain.Items) || k != swapDraw(swapped.RecommendationID, 1, 6, s.opts.Ranker.Seed) {
		t.Fatalf("swaps %d and %d, want 0 and the drawn position in 1..5", a.Features.Swap, k)
	}
	for i := range plain.Items {
		j := i
		switch i {
		case 0:
			j = k
		case k:
			j = 0
		}
		if swapped.Items[j].ID != plain.Items[i].ID || b.Items[j].ItemID != plain.Items[i].ID {
			t.Errorf("position %d of the ranked list is %s, the swapped list has %s at %d (stored %s)",
				i, plain.Items[i].ID, swapped.Items[j].ID, j, b.Items[j].ItemID)
		}
		if !slices.Equal(b.Features.Rows[j], a.Features.Rows[i]) {
			t.Errorf("the stored row at %d is not the row of the item ranked %d", j, i)
		}
	}
}

// TestNonIncreasing checks the pooling of adjacent violators: a rate above the one before
// is pooled with it, weighted by what was shown, and positions with nothing shown are
// skipped.
func TestNonIncreasing(t *testing.T) {
	for _, c := range []struct {
		clicks, shown, want []float64
	}{
		{[]float64{5, 4, 1}, []float64{10, 10, 10}, []float64{0.5, 0.4, 0.1}},
		{[]float64{5, 1, 3}, []float64{10, 10, 10}, []float64{0.5, 0.2, 0.2}},
		{[]float64{1, 3, 0}, []float64{10, 10, 0}, []float64{0.2, 0.2, 0}},
		{[]float64{4, 1, 6, 1}, []float64{10, 10, 30, 10}, []float64{0.4, 0.175, 0.175, 0.1}},
	} {
		got := nonIncreasing(c.clicks, c.shown)
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-12 {
				t.Errorf("nonIncreasing(%v, %v) = %v, want %v", c.clicks, c.shown, got, c.want)
				break
			}
		}
	}
}
