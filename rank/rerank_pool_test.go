package rank

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/recd/recd"
)

func TestRerank_Pool(t *testing.T) {
	p := Distribution{"Horror": 0.35, "Drama": 0.3, "Comedy": 0.2, "SciFi": 0.15}
	t.Run("chooses only among the first Pool candidates", func(t *testing.T) {
		for seed := uint64(1); seed <= 5; seed++ {
			base, sim := randomCandidates(seed, 200, 8, 0.3)
			for _, o := range []RerankOptions{
				{Diversity: 1, Sim: sim, Pool: 20},
				{Calibration: 1, Target: p, Pool: 20},
				{Diversity: 0.7, Sim: sim, Calibration: 0.7, Target: p, Pool: 20, Relevance: RelevanceRank},
			} {
				got := slices.Clone(base)
				if err := Rerank(got, 10, o); err != nil {
					t.Fatal(err)
				}
				head := ids(base[:20])
				for _, id := range ids(got[:20]) {
					if !slices.Contains(head, id) {
						t.Fatalf("seed %d, %+v: picked %s from outside the pool", seed, o.Pool, id)
					}
				}
				if !slices.Equal(ids(got[20:]), ids(base[20:])) {
					t.Fatalf("seed %d: the candidates behind the pool moved", seed)
				}
				// The same as re-ranking the pool alone.
				alone := slices.Clone(base[:20])
				o.Pool = 0
				Rerank(alone, 10, o)
				if !slices.Equal(ids(got[:20]), ids(alone)) {
					t.Fatalf("seed %d: pooled %v, pool alone %v", seed, ids(got[:10]), ids(alone[:10]))
				}
			}
		}
	})
	t.Run("a pool smaller than n grows to n", func(t *testing.T) {
		base, sim := randomCandidates(3, 50, 8, 0.3)
		got := slices.Clone(base)
		if err := Rerank(got, 10, RerankOptions{Diversity: 1, Sim: sim, Pool: 4}); err != nil {
			t.Fatal(err)
		}
		want := ids(base[:10])
		slices.Sort(want)
		have := ids(got[:10])
		slices.Sort(have)
		if !slices.Equal(have, want) {
			t.Fatalf("picked %v, want a permutation of the first 10 %v", have, want)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for i, o := range []RerankOptions{{Pool: -1}, {Relevance: "log"}} {
			if err := Rerank(fixtureCandidates(t), 5, o); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("options %d: err = %v", i, err)
			}
		}
	})
}

func TestRelevance(t *testing.T) {
	cands := []Candidate{{ID: "a", Score: 0.2}, {ID: "b", Score: 9}, {ID: "c", Score: 0.2}, {ID: "d", Score: 1}, {ID: "e", Score: 0}}
	t.Run("minmax", func(t *testing.T) {
		got := relevance(cands, RelevanceMinMax)
		want := []float64{0.2 / 9, 1, 0.2 / 9, 1 / 9.0, 0}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
		if !slices.Equal(relevance(cands, ""), got) {
			t.Fatal("the default scale is not minmax")
		}
	})
	t.Run("rank, ties share the better rank", func(t *testing.T) {
		got := relevance(cands, RelevanceRank)
		want := []float64{0.5, 1, 0.5, 0.75, 0}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
	t.Run("one candidate", func(t *testing.T) {
		if got := relevance(cands[:1], RelevanceRank); !slices.Equal(got, []float64{1}) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("minmax lets calibration trade more of a peaked head", func(t *testing.T) {
		// One dominant score squeezes the others together under minmax, so calibration
		// moves more of them there; under rank the gaps are even.
		p := Distribution{"Drama": 1}
		cs := []Candidate{{ID: "top", Score: 100, Categories: []string{"Comedy"}}}
		for i := range 20 {
			cs = append(cs, Candidate{ID: string(rune('a' + i)), Score: float64(20 - i), Categories: []string{[]string{"Comedy", "Drama"}[i%2]}})
		}
		drama := func(scale RelevanceScale) int {
			got := slices.Clone(cs)
			if err := Rerank(got, 5, RerankOptions{Calibration: 0.3, Target: p, Relevance: scale}); err != nil {
				t.Fatal(err)
			}
			k := 0
			for _, c := range got[:5] {
				if c.Categories[0] == "Drama" {
					k++
				}
			}
			return k
		}
		if mm, rk := drama(RelevanceMinMax), drama(RelevanceRank); mm <= rk {
			t.Fatalf("Drama picks: minmax %d, rank %d; want more under minmax on a peaked head", mm, rk)
		}
	})
}

func TestCategorySimilarity(t *testing.T) {
	sim := CategorySimilarity([]Candidate{
		{ID: "a", Categories: []string{"Comedy", "Drama"}},
		{ID: "b", Categories: []string{"Drama"}},
		{ID: "c", Categories: []string{"Horror", "SciFi"}},
		{ID: "d"},
	})
	for _, tc := range []struct {
		a, b string
		want float64
	}{{"a", "b", 0.5}, {"b", "a", 0.5}, {"a", "a", 1}, {"a", "c", 0}, {"a", "d", 0}, {"a", "zz", 0}} {
		if got := sim(tc.a, tc.b); got != tc.want {
			t.Errorf("sim(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestMixSimilarity(t *testing.T) {
	one := func(a, b string) float64 { return 1 }
	half := func(a, b string) float64 { return 0.5 }
	for _, tc := range []struct {
		name string
		a    Similarity
		w    float64
		b    Similarity
		want float64
	}{
		{"mix", one, 0.25, half, 0.25 + 0.75*0.5},
		{"a alone", one, 1, half, 1},
		{"b alone", one, 0, half, 0.5},
		{"nil a", nil, 0.5, half, 0.25},
		{"nil b", one, 0.5, nil, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MixSimilarity(tc.a, tc.w, tc.b)("x", "y"); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	if MixSimilarity(nil, 0.5, nil) != nil {
		t.Fatal("two nil similarities mix to a non-nil one")
	}
}

func TestOptions_ValidateRerank(t *testing.T) {
	if err := DefaultOptions().ValidateRerank(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range []struct {
		field string
		set   func(*Options)
	}{
		{"diversity", func(o *Options) { o.Diversity = 1.5 }},
		{"calibration", func(o *Options) { o.Calibration = -0.1 }},
		{"diversity_category_weight", func(o *Options) { o.DiversityCategoryWeight = math.NaN() }},
		{"rerank_pool", func(o *Options) { o.RerankPool = -1 }},
		{"calibration_relevance", func(o *Options) { o.CalibrationRelevance = "log" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			o := DefaultOptions()
			tc.set(&o)
			err := o.ValidateRerank()
			var fe *recd.FieldError
			if !errors.Is(err, recd.ErrInvalid) || !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err = %v, want an invalid %s", err, tc.field)
			}
		})
	}
}

// TestRerank_PoolGolden pins the served configuration's shape on the fixture: a pool of 8
// of the 12 candidates, rank relevance, category overlap mixed into the content similarity.
func TestRerank_PoolGolden(t *testing.T) {
	target := Distribution{"Thriller": 0.4, "Drama": 0.3, "Romance": 0.3}
	for _, tc := range []struct {
		name string
		opt  func([]Candidate) RerankOptions
	}{
		{"rerank_pool_mmr", func(cs []Candidate) RerankOptions {
			return RerankOptions{Diversity: 0.5, Sim: MixSimilarity(CategorySimilarity(cs), 0.75, fixtureSim), Pool: 8}
		}},
		{"rerank_pool_calibrate_rank", func([]Candidate) RerankOptions {
			return RerankOptions{Calibration: 0.5, Target: target, Pool: 8, Relevance: RelevanceRank}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cands := fixtureCandidates(t)
			if err := Rerank(cands, 5, tc.opt(cands)); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, format(cands))
		})
	}
}
