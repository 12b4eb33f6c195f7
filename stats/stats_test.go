package stats

import (
	"errors"
	"math"
	"testing"
)

// The reference values in this file come from scipy 1.17 (scipy.stats.binomtest,
// scipy.stats.chisquare, scipy.stats.norm) and numpy for the delta-method formula.

func near(t *testing.T, name string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Max(math.Abs(want), 1e-300) {
		t.Errorf("%s = %.17g, want %.17g (relative tolerance %g)", name, got, want, rel)
	}
}

func pairs(num, den []float64) []Pair {
	out := make([]Pair, len(num))
	for i := range num {
		out[i] = Pair{num[i], den[i]}
	}
	return out
}

var (
	refA = pairs([]float64{1, 0, 3, 2, 0, 5, 1, 2}, []float64{10, 4, 12, 9, 3, 20, 6, 8})
	refB = pairs([]float64{2, 1, 4, 3, 1, 6}, []float64{9, 5, 11, 10, 4, 15})
)

func TestRatioOf_KnownValues(t *testing.T) {
	r, err := RatioOf(refA)
	if err != nil {
		t.Fatal(err)
	}
	if r.Units != 8 || r.Num != 14 || r.Den != 72 {
		t.Errorf("units, sums = %d, %v, %v; want 8, 14, 72", r.Units, r.Num, r.Den)
	}
	near(t, "Value", r.Value, 0.19444444444444445, 1e-12)
	near(t, "Var", r.Var, 0.000838627060334879, 1e-10)
	near(t, "SE", r.SE, math.Sqrt(0.000838627060334879), 1e-10)
}

func TestRatioOf_MeanIsARatioOverOnes(t *testing.T) {
	r, err := RatioOf(pairs([]float64{0.2, 0.5, 0.1, 0.9, 0.4}, []float64{1, 1, 1, 1, 1}))
	if err != nil {
		t.Fatal(err)
	}
	near(t, "Value", r.Value, 0.42, 1e-12)
	near(t, "Var", r.Var, 0.0194, 1e-10) // s²/n, the variance of a mean
}

func TestRatioOf_Errors(t *testing.T) {
	if _, err := RatioOf([]Pair{{1, 2}}); !errors.Is(err, ErrTooFewUnits) {
		t.Errorf("one unit: err = %v, want ErrTooFewUnits", err)
	}
	if _, err := RatioOf([]Pair{{0, 0}, {0, 0}}); !errors.Is(err, ErrZeroDenominator) {
		t.Errorf("no denominator: err = %v, want ErrZeroDenominator", err)
	}
	if _, err := RatioOf([]Pair{{math.NaN(), 1}, {0, 1}}); !errors.Is(err, ErrBadArgument) {
		t.Errorf("NaN: err = %v, want ErrBadArgument", err)
	}
	r, err := RatioOf([]Pair{{1, 2}, {2, 4}, {3, 6}})
	if err != nil || r.Var != 0 || r.Value != 0.5 {
		t.Errorf("equal ratios: %+v, %v; want value 0.5 and variance 0", r, err)
	}
}

func TestCompare_KnownValues(t *testing.T) {
	c, err := Compare(refA, refB, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "Diff", c.Diff, 0.12037037037037038, 1e-12)
	near(t, "DiffSE", c.DiffSE, 0.04568706091163164, 1e-9)
	near(t, "P", c.P, 0.008421889256301024, 1e-7)
	z := 1.959963984540054
	near(t, "DiffCI.Lo", c.DiffCI.Lo, 0.12037037037037038-z*0.04568706091163164, 1e-9)
	near(t, "DiffCI.Hi", c.DiffCI.Hi, 0.12037037037037038+z*0.04568706091163164, 1e-9)
	rc, rt := 0.19444444444444445, 0.3148148148148148
	vc, vt := 0.000838627060334879, 0.0012486804744082606
	near(t, "Lift", c.Lift, rt/rc-1, 1e-12)
	near(t, "LiftSE", c.LiftSE, math.Sqrt(vt/(rc*rc)+rt*rt*vc/(rc*rc*rc*rc)), 1e-9)
	if !c.Significant(0.01) || c.Significant(0.005) {
		t.Errorf("Significant: p = %v should pass 0.01 and fail 0.005", c.P)
	}
	back, err := Compare(refB, refA, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if back.Diff != -c.Diff || back.P != c.P {
		t.Errorf("swapping groups: diff %v p %v, want %v and %v", back.Diff, back.P, -c.Diff, c.P)
	}
}

func TestCompare_Errors(t *testing.T) {
	if _, err := Compare(refA, refB, 1); !errors.Is(err, ErrBadArgument) {
		t.Errorf("level 1: err = %v", err)
	}
	if _, err := Compare(refA[:1], refB, 0.95); !errors.Is(err, ErrTooFewUnits) {
		t.Errorf("one control unit: err = %v", err)
	}
	c, err := Compare([]Pair{{0, 1}, {0, 2}}, refB, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(c.Lift) || math.IsNaN(c.Diff) {
		t.Errorf("control at 0: lift %v (want NaN), diff %v", c.Lift, c.Diff)
	}
}

func TestZTest_KnownValues(t *testing.T) {
	_, p := ZTest(3.2, 1)
	near(t, "p(3.2)", p, 0.0013742758758316942, 1e-9)
	_, p = ZTest(-3.2, 1)
	near(t, "p(-3.2)", p, 0.0013742758758316942, 1e-9)
	if _, p := ZTest(0, 0); p != 1 {
		t.Errorf("ZTest(0, 0) p = %v, want 1", p)
	}
	near(t, "MinDetectableEffect", MinDetectableEffect(0.01, 0.05, 0.8), 0.028015852181129685, 1e-9)
}

func TestSampleRatioMismatch_KnownValues(t *testing.T) {
	for _, tc := range []struct {
		obs      []int64
		w        []float64
		chi, p   float64
		mismatch bool
	}{
		{[]int64{5050, 4950}, []float64{1, 1}, 1, 0.31731050786291115, false},
		{[]int64{5200, 4800}, []float64{50, 50}, 16, 6.334248366623988e-05, true},
		{[]int64{100, 200, 300}, []float64{1, 2, 3}, 0, 1, false},
		{[]int64{110, 190, 300}, []float64{1, 1, 1}, 91, 1.736205283100294e-20, true},
		{[]int64{1000, 2100}, []float64{1, 2}, 1.612903225806452, 0.20408417776556959, false},
	} {
		s, err := SampleRatioMismatch(tc.obs, tc.w)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "chi-square", s.ChiSquare, tc.chi, 1e-12)
		near(t, "p", s.P, tc.p, 1e-7)
		if s.DF != len(tc.obs)-1 || s.Mismatch(0.001) != tc.mismatch {
			t.Errorf("%v: df %d mismatch %v, want %d %v", tc.obs, s.DF, s.Mismatch(0.001), len(tc.obs)-1, tc.mismatch)
		}
	}
	s, err := SampleRatioMismatch([]int64{10, 1}, []float64{1, 0})
	if err != nil || s.P != 0 {
		t.Errorf("units in a group of weight 0: %+v, %v; want p = 0", s, err)
	}
	for _, bad := range []struct {
		obs []int64
		w   []float64
	}{{[]int64{1}, []float64{1}}, {[]int64{1, 2}, []float64{1}}, {[]int64{1, 2}, []float64{0, 0}}, {[]int64{-1, 2}, []float64{1, 1}}, {[]int64{1, 2}, []float64{1, -1}}} {
		if _, err := SampleRatioMismatch(bad.obs, bad.w); !errors.Is(err, ErrBadArgument) {
			t.Errorf("SampleRatioMismatch(%v, %v) err = %v, want ErrBadArgument", bad.obs, bad.w, err)
		}
	}
}

func TestBinomialTest_KnownValues(t *testing.T) {
	for _, tc := range []struct {
		k, n int
		p    float64
		want float64
	}{
		{3, 10, 0.5, 0.34375},
		{7, 20, 0.3, 0.6294979666766769},
		{60, 100, 0.5, 0.05688793364098089},
		{0, 15, 0.5, 6.103515625e-05},
		{2, 50, 0.1, 0.23387383994762567},
		{12, 30, 0.6, 0.03842290110640762},
		{530, 1000, 0.5, 0.06202319509836343},
		{20, 2000, 0.02, 0.000739728601658027},
		{5, 10, 0.5, 1},
	} {
		got, err := BinomialTest(tc.k, tc.n, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "BinomialTest", got, tc.want, 1e-8)
	}
	if got, _ := SignTest(40, 60); math.Abs(got-0.05688793364098089) > 1e-10 {
		t.Errorf("SignTest(40, 60) = %v, want the binomial test of 60 of 100", got)
	}
	for _, bad := range [][2]int{{-1, 3}, {4, 3}} {
		if _, err := BinomialTest(bad[0], bad[1], 0.5); !errors.Is(err, ErrBadArgument) {
			t.Errorf("BinomialTest(%d, %d) err = %v", bad[0], bad[1], err)
		}
	}
	if p, _ := BinomialTest(0, 0, 0.5); p != 1 {
		t.Errorf("no trials: p = %v, want 1", p)
	}
}
