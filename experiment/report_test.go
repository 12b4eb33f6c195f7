package experiment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// synth draws units for each variant: each sees 5 to 15 items and clicks each with the
// variant's probability, converting a tenth of its clicks. Seeded.
func synth(rng *rand.Rand, units []int, ctr []float64) Data {
	d := Data{Units: make([][]Tally, len(units))}
	for v, n := range units {
		for range n {
			t := Tally{Impressions: 5 + rng.IntN(11)}
			for range t.Impressions {
				if rng.Float64() < ctr[v] {
					t.Clicks++
					if rng.IntN(10) == 0 {
						t.Conversions++
					}
				}
			}
			d.Units[v] = append(d.Units[v], t)
		}
	}
	return d
}

func TestCompute_KnownDifferenceIsSignificant(t *testing.T) {
	x := valid()
	rng := rand.New(rand.NewPCG(1, 2))
	r := Compute(&x, StatusRunning, synth(rng, []int{2000, 2000}, []float64{0.08, 0.10}))
	b := r.Variants[1]
	if r.PrimaryMetric != PrimaryMetric || !r.Conclusive || !r.SRM.OK {
		t.Fatalf("report %+v: want conclusive, SRM ok", r)
	}
	if b.PValue == nil || *b.PValue >= 0.01 {
		t.Fatalf("p = %v for a 25%% lift over 2000 users per variant, want < 0.01", b.PValue)
	}
	if b.Lift == nil || !(b.Lift.Low <= 0.25 && 0.25 <= b.Lift.High) || b.Lift.Low <= 0 {
		t.Errorf("lift %+v: want an interval above 0 that holds the true 0.25", b.Lift)
	}
	for _, v := range r.Variants {
		if !(v.CTR.Low <= v.CTR.Value && v.CTR.Value <= v.CTR.High) || v.Users != 2000 || v.Impressions == 0 {
			t.Errorf("variant %+v: want 2000 users and a CTR inside its interval", v)
		}
	}
	if r.Variants[0].Lift != nil || r.Variants[0].PValue != nil {
		t.Error("the control has a lift or p-value")
	}
}

// In seeded A/A comparisons tested at 5%, about 5% come out significant: the delta-method
// test is calibrated.
func TestCompute_AAFalsePositiveRate(t *testing.T) {
	x := valid()
	rng := rand.New(rand.NewPCG(3, 4))
	const runs = 400
	sig, covered := 0, 0
	for range runs {
		r := Compute(&x, StatusRunning, synth(rng, []int{300, 300}, []float64{0.1, 0.1}))
		b := r.Variants[1]
		if b.PValue == nil {
			t.Fatal("no p-value")
		}
		if *b.PValue < 0.05 {
			sig++
		}
		if b.Lift.Low <= 0 && 0 <= b.Lift.High {
			covered++
		}
	}
	// 5% of 400 is 20; the binomial's 99.9% range is about 8 to 35.
	if sig < 8 || sig > 35 {
		t.Errorf("%d of %d A/A runs significant at 5%%, want about 20", sig, runs)
	}
	if covered < runs*90/100 {
		t.Errorf("the lift interval held 0 in %d of %d A/A runs, want about 95%%", covered, runs)
	}
}

func TestCompute_SmallSampleAndSRM(t *testing.T) {
	x := valid()
	rng := rand.New(rand.NewPCG(5, 6))
	small := Compute(&x, StatusRunning, synth(rng, []int{50, 50}, []float64{0.1, 0.2}))
	if small.Conclusive || small.Reason == "" {
		t.Errorf("50 users per variant: conclusive %v (%q), want not conclusive with a reason", small.Conclusive, small.Reason)
	}
	skewed := Compute(&x, StatusRunning, synth(rng, []int{1000, 1200}, []float64{0.1, 0.1}))
	if skewed.SRM.OK || skewed.SRM.PValue >= SRMAlpha || skewed.Conclusive {
		t.Errorf("1000 against 1200 users at 50/50: SRM %+v, conclusive %v; want a mismatch", skewed.SRM, skewed.Conclusive)
	}
	even := Compute(&x, StatusRunning, synth(rng, []int{1000, 1010}, []float64{0.1, 0.1}))
	if !even.SRM.OK || math.Abs(even.SRM.ChiSquare-100.0/2010) > 1e-9 {
		t.Errorf("1000 against 1010 users: SRM %+v, want ok with chi-square %v", even.SRM, 100.0/2010)
	}
	empty := Compute(&x, StatusScheduled, Data{})
	if empty.Conclusive || len(empty.Variants) != 2 || empty.Variants[1].PValue != nil {
		t.Errorf("an empty report %+v: want two empty variants, no p-value, not conclusive", empty)
	}
}

func TestCompute_Interleaving(t *testing.T) {
	x := valid()
	x.Design = DesignInterleaving
	duels := func(wins, losses, ties, none int) []Duel {
		var out []Duel
		for range wins {
			out = append(out, Duel{Clicks: [2]int{2, 1}})
		}
		for range losses {
			out = append(out, Duel{Clicks: [2]int{0, 1}})
		}
		for range ties {
			out = append(out, Duel{Clicks: [2]int{1, 1}})
		}
		for range none {
			out = append(out, Duel{})
		}
		for i := range out {
			out[i].Unit = fmt.Sprint("u", i) // one list a user
		}
		return out
	}
	r := Compute(&x, StatusRunning, Data{Units: [][]Tally{{{Impressions: 50}}, {{Impressions: 50}}}, Duels: duels(70, 30, 5, 40)})
	il := r.Interleaving
	if il == nil || il.Wins != 70 || il.Losses != 30 || il.Ties != 5 || il.PreferenceShare != 0.7 {
		t.Fatalf("interleaving = %+v, want 70 wins, 30 losses, 5 ties, share 0.7", il)
	}
	if il.Users != 145 || il.UserWins != 70 || il.UserLosses != 30 || math.Abs(il.Difference.Value-40.0/145) > 1e-12 {
		t.Errorf("interleaving = %+v, want 145 users, 70 preferring the first, 30 the second, difference 40/145", il)
	}
	if il.PValue >= 0.001 || !r.Conclusive {
		t.Errorf("70 of 100: p = %v, conclusive %v; want p < 0.001 and conclusive", il.PValue, r.Conclusive)
	}
	even := Compute(&x, StatusRunning, Data{Duels: duels(50, 50, 0, 0)})
	if even.Interleaving.PValue < 0.9 {
		t.Errorf("50 of 100: p = %v, want about 1", even.Interleaving.PValue)
	}
	few := Compute(&x, StatusRunning, Data{Duels: duels(8, 2, 0, 0)})
	if few.Conclusive {
		t.Error("10 decided lists are conclusive")
	}
}
