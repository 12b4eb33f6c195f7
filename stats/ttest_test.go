package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The reference p-values integrate Student's density numerically (Simpson's rule, 2·10⁶
// steps), independently of gonum.
func TestTTest_KnownValues(t *testing.T) {
	m, err := TTest([]float64{1, 2, 3, 4, 5}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if m.N != 5 || m.DF != 4 {
		t.Errorf("N, DF = %d, %d; want 5, 4", m.N, m.DF)
	}
	near(t, "Mean", m.Mean, 3, 1e-12)
	near(t, "SE", m.SE, 0.7071067811865476, 1e-12)
	near(t, "T", m.T, 4.242640687119285, 1e-12)
	near(t, "P", m.P, 0.013235599563275751, 1e-6)
	// t₀.₉₇₅ with 4 degrees of freedom is 2.7764451051977987.
	near(t, "CI.Lo", m.CI.Lo, 3-2.7764451051977987*0.7071067811865476, 1e-9)
	near(t, "CI.Hi", m.CI.Hi, 3+2.7764451051977987*0.7071067811865476, 1e-9)

	m, err = TTest([]float64{2, -1, 0, 0, 3, 1, -2, 0, 4, 1, 0, 0}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "T", m.T, 1.3831281496162493, 1e-12)
	near(t, "P", m.P, 0.19405465742854763, 1e-6)
	neg, _ := TTest([]float64{-2, 1, 0, 0, -3, -1, 2, 0, -4, -1, 0, 0}, 0.95)
	if neg.T != -m.T || neg.P != m.P {
		t.Errorf("negated data: T %v P %v, want %v and %v", neg.T, neg.P, -m.T, m.P)
	}
}

func TestTTest_Errors(t *testing.T) {
	if _, err := TTest([]float64{1}, 0.95); !errors.Is(err, ErrTooFewUnits) {
		t.Errorf("one observation: err = %v, want ErrTooFewUnits", err)
	}
	if _, err := TTest([]float64{1, math.Inf(1)}, 0.95); !errors.Is(err, ErrBadArgument) {
		t.Errorf("infinite observation: err = %v, want ErrBadArgument", err)
	}
	if _, err := TTest([]float64{1, 2}, 0); !errors.Is(err, ErrBadArgument) {
		t.Errorf("level 0: err = %v, want ErrBadArgument", err)
	}
	if m, _ := TTest([]float64{0, 0, 0}, 0.95); m.P != 1 {
		t.Errorf("all zero: p = %v, want 1", m.P)
	}
	if m, _ := TTest([]float64{2, 2, 2}, 0.95); m.P != 0 {
		t.Errorf("constant 2: p = %v, want 0", m.P)
	}
}

// interleavedUsers draws n users' credit differences under the null of interleaving: each
// user sees 1 + Poisson(lists−1) lists, clicks each list's items at a rate drawn from
// Gamma(0.5, 0.5/0.3) (mean 0.3 clicks a list, most users rarely, a few often) and each click
// is credited to either variant with probability one half. Most differences are 0.
func interleavedUsers(rng *rand.Rand, n int, lists float64) []float64 {
	nl := distuv.Poisson{Lambda: lists - 1, Src: rng}
	rate := distuv.Gamma{Alpha: 0.5, Beta: 0.5 / 0.3, Src: rng}
	out := make([]float64, n)
	for i := range out {
		k := 1 + int(nl.Rand())
		r := rate.Rand()
		d := 0
		for range k {
			for range int(distuv.Poisson{Lambda: r, Src: rng}.Rand()) {
				d += 2*rng.IntN(2) - 1
			}
		}
		out[i] = float64(d)
	}
	return out
}

// Under the null the t-test over users holds its level on skewed, zero-inflated differences
// at the sizes interleaving experiments run at: about 5% of p-values fall under 0.05, and
// about 1% under 0.01.
func TestTTest_NullRejectionRate(t *testing.T) {
	const runs = 2000
	rng := rand.New(rand.NewPCG(12, 34))
	for _, users := range []int{30, 100} {
		under5, under1 := 0, 0
		for range runs {
			m, err := TTest(interleavedUsers(rng, users, 3), 0.95)
			if err != nil {
				t.Fatal(err)
			}
			if m.P < 0.05 {
				under5++
			}
			if m.P < 0.01 {
				under1++
			}
		}
		r5, r1 := float64(under5)/runs, float64(under1)/runs
		t.Logf("t-test over %d users, %d null runs: p < 0.05 in %.4f, p < 0.01 in %.4f", users, runs, r5, r1)
		// Binomial(2000, 0.05) has sd 0.0049 and Binomial(2000, 0.01) 0.0022; allow four.
		if r5 < 0.03 || r5 > 0.07 {
			t.Errorf("%d users: rejection rate at 5%% = %.4f, want 0.03..0.07", users, r5)
		}
		if r1 > 0.019 {
			t.Errorf("%d users: rejection rate at 1%% = %.4f, want at most 0.019", users, r1)
		}
	}
}
