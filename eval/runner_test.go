package eval

import (
	"context"
	"math"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/model"
)

// fixedScores scores item i as scores[i] for every user.
type fixedScores struct{ scores []float32 }

func (f *fixedScores) Name() string                                       { return "fixed" }
func (f *fixedScores) Fit(context.Context, *model.Dataset) error          { return nil }
func (f *fixedScores) Score(_ int, _ []int32, _ []float32, dst []float32) { copy(dst, f.scores) }

func tinyTrain() *model.Dataset {
	var evs []recd.Event
	for _, p := range [][2]string{{"a", "i0"}, {"a", "i1"}, {"b", "i1"}, {"b", "i2"}, {"c", "i3"}, {"c", "i4"}} {
		evs = append(evs, recd.Event{UserID: p[0], ItemID: p[1], Type: recd.EventRating, Value: 4})
	}
	return BuildDataset(evs, model.DefaultWeights(), true)
}

func TestEvaluateFitted(t *testing.T) {
	d := tinyTrain() // item indexes i0..i4 = 0..4
	rec := &fixedScores{scores: []float32{5, 4, 3, 2, 1}}
	test := map[string][]string{
		"a": {"i2", "i4"},      // top-2 after excluding i0,i1: i2, i3 -> 1 hit at rank 1
		"b": {"i0", "unknown"}, // top-2 after excluding i1,i2: i0, i3 -> hit at rank 1; unknown dropped
		"c": {"i3"},            // seen in train: dropped, so c is skipped
	}
	opt := DefaultOptions()
	opt.K = 2
	opt.Workers = 3
	opt.Categories = map[string][]string{"i0": {"A"}, "i1": {"A"}, "i2": {"B"}, "i3": {"B"}, "i4": {"A"}}
	r, err := Evaluate(context.Background(), rec, d, test, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.Users != 2 || r.PerUser[0].User != "a" || r.PerUser[1].User != "b" {
		t.Fatalf("users = %d %+v, want a and b", r.Users, r.PerUser)
	}
	if got := r.PerUser[0].Items; len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Errorf("a's list = %v, want [2 3] (seen items excluded)", got)
	}
	near(t, "recall", r.Metrics[MetricRecall], (0.5+1)/2) // a: 1/min(2,2); b: 1/min(2,1)
	near(t, "precision", r.Metrics[MetricPrecision], 0.5)
	near(t, "mrr", r.Metrics[MetricMRR], 1)
	near(t, "ndcg", r.Metrics[MetricNDCG], (1/(1+1/math.Log2(3))+1)/2)
	near(t, "coverage", r.Metrics[MetricCoverage], 3.0/5) // items 0, 2, 3
	near(t, "gini", r.Metrics[MetricGini], Gini([]float64{1, 0, 1, 2, 0}))
	// a's history is all A, its list {B, B}: KL = ln(1/0.01)
	// b's history is {A, B}, its list {A, B}: 0
	near(t, "miscalibration", r.Metrics[MetricMiscalibration], math.Log(100)/2)
	near(t, "ild", r.Metrics[MetricILD], (0+1)/2.0)
	if _, ok := r.Metrics[MetricRMSE]; ok {
		t.Error("rmse reported for a model that predicts no ratings")
	}

	t.Run("bad k", func(t *testing.T) {
		if _, err := EvaluateFitted(context.Background(), rec, d, test, Options{}); err == nil {
			t.Error("k = 0 accepted")
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := EvaluateFitted(ctx, rec, d, test, opt); err == nil {
			t.Error("cancelled context not reported")
		}
	})
}

func resultWith(model string, vals map[string]float64) *Result {
	r := &Result{Model: model}
	for u, v := range vals {
		r.PerUser = append(r.PerUser, UserResult{User: u, Metrics: map[string]float64{MetricNDCG: v}})
	}
	return r
}

func TestPairedTTest(t *testing.T) {
	a := resultWith("a", map[string]float64{"x": 1, "y": 3, "z": 9})
	b := resultWith("b", map[string]float64{"x": 0, "y": 0, "w": 5})
	// shared users x, y: differences 1 and 3, mean 2, sd √2, t = 2/(√2/√2) = 2, df 1 (Cauchy):
	// p = 1 - 2·atan(2)/π
	diff, tt, p, err := PairedTTest(a, b, MetricNDCG)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "diff", diff, 2)
	near(t, "t", tt, 2)
	near(t, "p", p, 1-2*math.Atan(2)/math.Pi)
	if _, _, p, _ := PairedTTest(a, a, MetricNDCG); p != 1 {
		t.Errorf("identical results p = %v, want 1", p)
	}
	if _, _, _, err := PairedTTest(a, b, "nope"); err == nil {
		t.Error("unknown metric accepted")
	}
}

func TestPairedBootstrap(t *testing.T) {
	vals1, vals2 := map[string]float64{}, map[string]float64{}
	for i := 0; i < 50; i++ {
		u := string(rune('A' + i))
		vals1[u] = float64(i%5) + 1
		vals2[u] = float64(i % 5)
	}
	a, b := resultWith("a", vals1), resultWith("b", vals2)
	diff, p, err := PairedBootstrap(a, b, MetricNDCG, 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "diff", diff, 1)
	if p != 0 {
		t.Errorf("a always better by 1: p = %v, want 0", p)
	}
	// noise with zero mean difference: p must be large
	for i := 0; i < 50; i++ {
		u := string(rune('A' + i))
		vals1[u] = float64(i % 2)
		vals2[u] = float64((i + 1) % 2)
	}
	_, p, _ = PairedBootstrap(resultWith("a", vals1), resultWith("b", vals2), MetricNDCG, 1000, 1)
	if p < 0.5 {
		t.Errorf("balanced differences: p = %v, want ≥ 0.5", p)
	}
}

// withVectors is fixedScores with item vectors: items 0..4 lie on two axes.
type withVectors struct{ fixedScores }

func (w *withVectors) VectorSimilarities(train *model.Dataset) map[string]func(a, b int32) float64 {
	axis := func(i int32) int { return map[int32]int{0: 0, 1: 0, 2: 0, 3: 1, 4: 1}[i] }
	return map[string]func(a, b int32) float64{
		"content": func(a, b int32) float64 {
			if axis(a) == axis(b) {
				return 1
			}
			return 0
		},
	}
}

func TestEvaluateFitted_ILDOnItemVectors(t *testing.T) {
	d := tinyTrain()
	test := map[string][]string{"a": {"i2", "i4"}, "b": {"i0"}}
	opt := DefaultOptions()
	opt.K = 2
	r, err := EvaluateFitted(context.Background(), &withVectors{fixedScores{scores: []float32{5, 4, 3, 2, 1}}}, d, test, opt)
	if err != nil {
		t.Fatal(err)
	}
	// a gets [2 3] (different axes: distance 1), b gets [0 3] (1).
	near(t, "ild_content", r.Metrics[MetricILDContent], 1)
	if _, ok := r.Metrics[MetricILDCF]; ok {
		t.Error("ild_cf reported for a model without CF vectors")
	}
	r, err = EvaluateFitted(context.Background(), &withVectors{fixedScores{scores: []float32{1, 0, 0, 5, 4}}}, d, test, opt)
	if err != nil {
		t.Fatal(err)
	}
	// Both get [3 4], one axis: distance 0.
	near(t, "ild_content", r.Metrics[MetricILDContent], 0)
}
