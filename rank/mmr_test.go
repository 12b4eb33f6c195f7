package rank

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recd/recd"
)

func TestMMR(t *testing.T) {
	t.Run("by hand", func(t *testing.T) {
		sims := map[[2]string]float64{{"a", "b"}: 0.95, {"a", "c"}: 0, {"b", "c"}: 0.1}
		sim := func(x, y string) float64 {
			if x > y {
				x, y = y, x
			}
			return sims[[2]string{x, y}]
		}
		cands := []Candidate{{ID: "a", Score: 1}, {ID: "b", Score: 0.9}, {ID: "c", Score: 0.5}}
		// relevance a=1, b=0.8, c=0; after a: b 0.5*0.8-0.5*0.95 = -0.075, c 0.5*0-0.5*0 = 0.
		if err := MMR(cands, 3, 0.5, sim); err != nil {
			t.Fatal(err)
		}
		if got := ids(cands); !slices.Equal(got, []string{"a", "c", "b"}) {
			t.Errorf("order = %v, want [a c b]", got)
		}
	})
	t.Run("diversity 0 is relevance order", func(t *testing.T) {
		for seed := uint64(1); seed <= 20; seed++ {
			cands, sim := randomCandidates(seed, 100, 8, 0.3)
			want := ids(cands) // sorted by score
			r := rand.New(rand.NewPCG(seed, 2))
			r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
			shuffled := ids(cands)
			if err := MMR(cands, 10, 0, sim); err != nil {
				t.Fatal(err)
			}
			got := ids(cands)
			if !slices.Equal(got[:10], want[:10]) {
				t.Fatalf("seed %d: top 10 = %v, want %v", seed, got[:10], want[:10])
			}
			// The rest keep their previous (shuffled) order.
			rest := slices.DeleteFunc(slices.Clone(shuffled), func(id string) bool { return slices.Contains(want[:10], id) })
			if !slices.Equal(got[10:], rest) {
				t.Fatalf("seed %d: rest reordered", seed)
			}
		}
	})
	t.Run("ILD rises with diversity", func(t *testing.T) {
		levels := []float64{0, 0.25, 0.5, 0.75, 1}
		mean := make([]float64, len(levels))
		const seeds = 20
		for seed := uint64(1); seed <= seeds; seed++ {
			base, sim := randomCandidates(seed, 200, 8, 0.3)
			for k, d := range levels {
				cands := slices.Clone(base)
				if err := MMR(cands, 10, d, sim); err != nil {
					t.Fatal(err)
				}
				mean[k] += ILD(ids(cands[:10]), sim) / seeds
			}
		}
		t.Logf("mean ILD by diversity %v: %.3f", levels, mean)
		for k := 1; k < len(levels); k++ {
			if mean[k] <= mean[k-1] {
				t.Errorf("ILD at diversity %v = %.3f, not above %.3f at %v", levels[k], mean[k], mean[k-1], levels[k-1])
			}
		}
		if mean[2] < 1.2*mean[0] {
			t.Errorf("ILD at 0.5 = %.3f, want >= 1.2 x %.3f at 0", mean[2], mean[0])
		}
	})
	t.Run("matches the naive definition", func(t *testing.T) {
		for seed := uint64(1); seed <= 10; seed++ {
			base, sim := randomCandidates(seed, 80, 6, 0.3)
			got := slices.Clone(base)
			if err := MMR(got, 10, 0.6, sim); err != nil {
				t.Fatal(err)
			}
			rel := minMaxScores(base)
			var picked []string
			used := make([]bool, len(base))
			for len(picked) < 10 {
				best, bestVal := -1, math.Inf(-1)
				for i, c := range base {
					if used[i] {
						continue
					}
					maxSim := 0.0
					for k, s := range picked {
						if v := sim(c.ID, s); k == 0 || v > maxSim {
							maxSim = v
						}
					}
					if v := 0.4*rel[i] - 0.6*maxSim; v > bestVal+1e-12 {
						best, bestVal = i, v
					}
				}
				used[best] = true
				picked = append(picked, base[best].ID)
			}
			if !slices.Equal(ids(got[:10]), picked) {
				t.Fatalf("seed %d: MMR picked %v, naive %v", seed, ids(got[:10]), picked)
			}
		}
	})
	t.Run("golden", func(t *testing.T) {
		for _, d := range []struct {
			name string
			div  float64
		}{{"mmr_d0", 0}, {"mmr_d05", 0.5}, {"mmr_d1", 1}} {
			cands := fixtureCandidates(t)
			if err := MMR(cands, 6, d.div, fixtureSim); err != nil {
				t.Fatal(err)
			}
			golden(t, d.name, format(cands))
		}
	})
	t.Run("n beyond pool and empty", func(t *testing.T) {
		cands := fixtureCandidates(t)
		if err := MMR(cands, 100, 0.7, fixtureSim); err != nil {
			t.Fatal(err)
		}
		if len(cands) != len(fixtureItems) {
			t.Errorf("len = %d", len(cands))
		}
		if err := MMR(nil, 10, 0.5, fixtureSim); err != nil {
			t.Errorf("empty: %v", err)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, d := range []float64{-0.1, 1.1} {
			if err := MMR(fixtureCandidates(t), 5, d, fixtureSim); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("diversity %v: err = %v", d, err)
			}
		}
		if err := MMR(fixtureCandidates(t), 5, 0.5, nil); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("nil sim: err = %v", err)
		}
		if err := MMR(fixtureCandidates(t), -1, 0.5, fixtureSim); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("n=-1: err = %v", err)
		}
	})
}

func TestPermute(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for trial := 0; trial < 50; trial++ {
		m := r.IntN(30)
		cands := make([]Candidate, m)
		for i := range cands {
			cands[i].ID = string(rune('A' + i))
		}
		order := r.Perm(m)
		want := make([]string, m)
		for k, i := range order {
			want[k] = cands[i].ID
		}
		permute(cands, order)
		if got := ids(cands); !slices.Equal(got, want) {
			t.Fatalf("permute = %v, want %v", got, want)
		}
	}
}

func TestILD(t *testing.T) {
	sim := func(a, b string) float64 {
		if a[0] == b[0] {
			return 1
		}
		return 0
	}
	// pairs: (a1,a2)=0, (a1,b)=1, (a2,b)=1 → 2/3.
	if got := ILD([]string{"a1", "a2", "b"}, sim); !near(got, 2.0/3) {
		t.Errorf("ILD = %v, want 2/3", got)
	}
	if got := ILD([]string{"a"}, sim); got != 0 {
		t.Errorf("ILD of one = %v", got)
	}
}

func TestCosineSimilarity(t *testing.T) {
	sim := CosineSimilarity(map[string][]float32{
		"a": {1, 0}, "b": {3, 3}, "c": {0, -2}, "zero": {0, 0}, "short": {1},
	})
	cases := []struct {
		a, b string
		want float64
	}{
		{"a", "a", 1}, {"a", "b", math.Sqrt(0.5)}, {"a", "c", 0}, {"b", "c", -math.Sqrt(0.5)},
		{"a", "zero", 0}, {"a", "short", 0}, {"a", "missing", 0},
	}
	for _, tc := range cases {
		if got := sim(tc.a, tc.b); math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("sim(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if got := CosineSimilarity(nil)("a", "b"); got != 0 {
		t.Errorf("empty: %v", got)
	}
}
