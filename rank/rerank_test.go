package rank

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/recd/recd"
)

func TestRerank(t *testing.T) {
	p := Distribution{"Horror": 0.35, "Drama": 0.3, "Comedy": 0.2, "SciFi": 0.15}
	t.Run("reduces to MMR and Calibrate", func(t *testing.T) {
		for seed := uint64(1); seed <= 5; seed++ {
			base, sim := randomCandidates(seed, 100, 8, 0.3)
			// Calibration without a target is off too.
			a, b := slices.Clone(base), slices.Clone(base)
			if err := Rerank(a, 10, RerankOptions{Diversity: 0.5, Sim: sim, Calibration: 0.7}); err != nil {
				t.Fatal(err)
			}
			MMR(b, 10, 0.5, sim)
			if !slices.Equal(ids(a), ids(b)) {
				t.Fatalf("seed %d: Rerank without calibration differs from MMR", seed)
			}
			a, b = slices.Clone(base), slices.Clone(base)
			Rerank(a, 10, RerankOptions{Calibration: 0.5, Target: p, Sim: sim})
			Calibrate(b, 10, 0.5, p)
			if !slices.Equal(ids(a), ids(b)) {
				t.Fatalf("seed %d: Rerank without diversity differs from Calibrate", seed)
			}
		}
	})
	t.Run("matches the naive greedy", func(t *testing.T) {
		for seed := uint64(1); seed <= 5; seed++ {
			base, sim := randomCandidates(seed, 60, 8, 0.3)
			got := slices.Clone(base)
			if err := Rerank(got, 8, RerankOptions{Diversity: 0.4, Sim: sim, Calibration: 0.3, Target: p}); err != nil {
				t.Fatal(err)
			}
			rel := minMaxScores(base)
			var list []Candidate
			used := make([]bool, len(base))
			for len(list) < 8 {
				best, bestVal := -1, math.Inf(-1)
				for i, c := range base {
					if used[i] {
						continue
					}
					maxSim := 0.0
					for k, s := range list {
						if v := sim(c.ID, s.ID); k == 0 || v > maxSim {
							maxSim = v
						}
					}
					kl := Miscalibration(p, ListDistribution(append(slices.Clip(list), c)))
					if v := 0.7*(0.6*rel[i]-0.4*maxSim) - 0.3*kl; v > bestVal+1e-12 {
						best, bestVal = i, v
					}
				}
				used[best] = true
				list = append(list, base[best])
			}
			if !slices.Equal(ids(got[:8]), ids(list)) {
				t.Fatalf("seed %d: Rerank picked %v, naive %v", seed, ids(got[:8]), ids(list))
			}
		}
	})
	t.Run("serves both objectives", func(t *testing.T) {
		var ildNone, ildBoth, klCal, klBoth, klNone float64
		for seed := uint64(1); seed <= 10; seed++ {
			base, sim := randomCandidates(seed, 200, 8, 0.3)
			none, both := slices.Clone(base), slices.Clone(base)
			Rerank(none, 10, RerankOptions{})
			cal := slices.Clone(base)
			Rerank(cal, 10, RerankOptions{Calibration: 0.5, Target: p})
			Rerank(both, 10, RerankOptions{Diversity: 0.5, Sim: sim, Calibration: 0.5, Target: p})
			ildNone += ILD(ids(none[:10]), sim)
			ildBoth += ILD(ids(both[:10]), sim)
			klNone += Miscalibration(p, ListDistribution(none[:10]))
			klCal += Miscalibration(p, ListDistribution(cal[:10]))
			klBoth += Miscalibration(p, ListDistribution(both[:10]))
		}
		t.Logf("KL none %.2f calibrated %.2f both %.2f; ILD none %.2f both %.2f", klNone/10, klCal/10, klBoth/10, ildNone/10, ildBoth/10)
		if klBoth > 0.5*klNone {
			t.Errorf("with both on, KL %.3f is not half of %.3f with neither", klBoth/10, klNone/10)
		}
		if ildBoth < 1.1*ildNone {
			t.Errorf("with both on, ILD %.3f is not 10%% above %.3f with neither", ildBoth/10, ildNone/10)
		}
	})
	t.Run("golden", func(t *testing.T) {
		cands := fixtureCandidates(t)
		target := Distribution{"Thriller": 0.4, "Drama": 0.3, "Romance": 0.3}
		if err := Rerank(cands, 6, RerankOptions{Diversity: 0.5, Sim: fixtureSim, Calibration: 0.5, Target: target}); err != nil {
			t.Fatal(err)
		}
		golden(t, "rerank", format(cands))
	})
	t.Run("bad input", func(t *testing.T) {
		bad := []RerankOptions{
			{Diversity: 2}, {Calibration: -1}, {Diversity: 0.5, Calibration: 0.5, Target: p},
		}
		for i, o := range bad {
			if err := Rerank(fixtureCandidates(t), 5, o); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("options %d: err = %v", i, err)
			}
		}
	})
}
