package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// simulateGroup draws n users of a click model with per-user heterogeneity: each user sees
// 1 + Poisson(4) lists' worth of impressions and clicks each with a user's own probability
// drawn from Beta(2, 18) (mean CTR 0.1) times lift. Clicks of one user are correlated
// through that probability, which is what the delta method is for.
func simulateGroup(rng *rand.Rand, n int, lift float64) []Pair {
	imps := distuv.Poisson{Lambda: 4, Src: rng}
	ctr := distuv.Beta{Alpha: 2, Beta: 18, Src: rng}
	out := make([]Pair, n)
	for i := range out {
		k := 1 + int(imps.Rand())
		p := math.Min(1, ctr.Rand()*lift)
		clicks := 0
		for range k {
			if rng.Float64() < p {
				clicks++
			}
		}
		out[i] = Pair{float64(clicks), float64(k)}
	}
	return out
}

// On A/A data the 95% interval of the difference covers 0 in about 95% of experiments and
// the p-values are uniform: about 5% fall under 0.05 and each decile holds about a tenth.
func TestCompare_AACoverageAndUniformPValues(t *testing.T) {
	const runs, users = 2000, 300
	rng := rand.New(rand.NewPCG(7, 11))
	covered, under5 := 0, 0
	var deciles [10]int
	for range runs {
		c, err := Compare(simulateGroup(rng, users, 1), simulateGroup(rng, users, 1), 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if c.DiffCI.Contains(0) {
			covered++
		}
		if c.P < 0.05 {
			under5++
		}
		deciles[min(int(c.P*10), 9)]++
	}
	// Binomial(2000, 0.95) has sd 0.0049; allow four.
	if cov := float64(covered) / runs; cov < 0.93 || cov > 0.97 {
		t.Errorf("coverage of the 95%% interval = %.3f, want 0.93..0.97", cov)
	}
	if fp := float64(under5) / runs; fp < 0.03 || fp > 0.07 {
		t.Errorf("share of p < 0.05 under the null = %.3f, want 0.03..0.07", fp)
	}
	// Binomial(2000, 0.1) has sd 13.4; allow four.
	for i, got := range deciles {
		if got < 146 || got > 254 {
			t.Errorf("p-values in [%.1f, %.1f) = %d of %d, want about 200", float64(i)/10, float64(i+1)/10, got, runs)
		}
	}
}

// The delta-method standard error matches the spread of the ratio over repeated samples.
func TestRatioOf_VarianceMatchesSimulation(t *testing.T) {
	const runs, users = 3000, 200
	rng := rand.New(rand.NewPCG(3, 5))
	var sum, sumSq, meanVar float64
	for range runs {
		r, err := RatioOf(simulateGroup(rng, users, 1))
		if err != nil {
			t.Fatal(err)
		}
		sum += r.Value
		sumSq += r.Value * r.Value
		meanVar += r.Var / runs
	}
	mean := sum / runs
	empirical := sumSq/runs - mean*mean
	if ratio := meanVar / empirical; ratio < 0.9 || ratio > 1.1 {
		t.Errorf("delta-method variance / empirical variance = %.3f (%.3g vs %.3g), want 0.9..1.1", ratio, meanVar, empirical)
	}
}

// A real lift of 30% on 2000 users a group is found in most seeded experiments.
func TestCompare_DetectsALift(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	found := 0
	for range 50 {
		c, err := Compare(simulateGroup(rng, 2000, 1), simulateGroup(rng, 2000, 1.3), 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if c.P < 0.01 && c.Lift > 0 && c.LiftCI.Contains(0.3) {
			found++
		}
	}
	if found < 40 {
		t.Errorf("a 30%% lift was significant at 1%% with the lift in its interval in %d of 50 runs, want 40 or more", found)
	}
}

func TestBootstrapCompare_AACoverage(t *testing.T) {
	const runs, users = 300, 200
	rng := rand.New(rand.NewPCG(9, 9))
	covered := 0
	for i := range runs {
		b, err := BootstrapCompare(simulateGroup(rng, users, 1), simulateGroup(rng, users, 1), 400, 0.95, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		if b.Diff.Contains(0) {
			covered++
		}
	}
	// Binomial(300, 0.95) has sd 0.0126; allow about three and a half.
	if cov := float64(covered) / runs; cov < 0.905 || cov > 0.99 {
		t.Errorf("bootstrap coverage = %.3f, want 0.905..0.99", cov)
	}
}

func TestBootstrapCompare_AgreesWithDeltaMethodAndIsSeeded(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	a, b := simulateGroup(rng, 3000, 1), simulateGroup(rng, 3000, 1.2)
	c, err := Compare(a, b, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := BootstrapCompare(a, b, 2000, 0.95, 42)
	if err != nil {
		t.Fatal(err)
	}
	width := c.DiffCI.Hi - c.DiffCI.Lo
	if math.Abs(bs.Diff.Lo-c.DiffCI.Lo) > 0.1*width || math.Abs(bs.Diff.Hi-c.DiffCI.Hi) > 0.1*width {
		t.Errorf("bootstrap interval %+v far from the delta method's %+v", bs.Diff, c.DiffCI)
	}
	lw := c.LiftCI.Hi - c.LiftCI.Lo
	if math.Abs(bs.Lift.Lo-c.LiftCI.Lo) > 0.15*lw || math.Abs(bs.Lift.Hi-c.LiftCI.Hi) > 0.15*lw {
		t.Errorf("bootstrap lift interval %+v far from the delta method's %+v", bs.Lift, c.LiftCI)
	}
	again, _ := BootstrapCompare(a, b, 2000, 0.95, 42)
	if again != bs {
		t.Errorf("same seed gave %+v then %+v", bs, again)
	}
	other, _ := BootstrapCompare(a, b, 2000, 0.95, 43)
	if other == bs {
		t.Error("another seed gave the very same intervals")
	}
	if _, err := BootstrapCompare(a, b, MaxResamples+1, 0.95, 1); err == nil {
		t.Error("resamples over MaxResamples accepted")
	}
}

// Under the null the sign test's p-values are never anti-conservative: P(p ≤ α) ≤ α for a
// discrete test, and close to it for a large n.
func TestSignTest_NullRejectionRate(t *testing.T) {
	const runs, n = 4000, 200
	rng := rand.New(rand.NewPCG(5, 6))
	under5 := 0
	for range runs {
		wins := 0
		for range n {
			if rng.IntN(2) == 0 {
				wins++
			}
		}
		p, err := SignTest(wins, n-wins)
		if err != nil {
			t.Fatal(err)
		}
		if p < 0.05 {
			under5++
		}
	}
	// The exact size for n = 200 is 0.040 (|wins − 100| ≥ 15); Binomial(4000, 0.04) sd 0.0031.
	if rate := float64(under5) / runs; rate < 0.028 || rate > 0.052 {
		t.Errorf("sign test rejection rate under the null = %.4f, want 0.028..0.052", rate)
	}
}

func TestSRM_NullRejectionRate(t *testing.T) {
	const runs, n = 4000, 1000
	rng := rand.New(rand.NewPCG(8, 1))
	under5 := 0
	w := []float64{20, 30, 50}
	for range runs {
		obs := make([]int64, 3)
		for range n {
			u := rng.Float64() * 100
			switch {
			case u < 20:
				obs[0]++
			case u < 50:
				obs[1]++
			default:
				obs[2]++
			}
		}
		s, err := SampleRatioMismatch(obs, w)
		if err != nil {
			t.Fatal(err)
		}
		if s.P < 0.05 {
			under5++
		}
	}
	if rate := float64(under5) / runs; rate < 0.038 || rate > 0.062 {
		t.Errorf("SRM rejection rate of a correct split = %.4f, want about 0.05", rate)
	}
	broken, _ := SampleRatioMismatch([]int64{260, 290, 450}, w)
	if !broken.Mismatch(0.01) {
		t.Errorf("a 26/29/45 split of 1000 against 20/30/50 gave p = %v, want < 0.01", broken.P)
	}
}
