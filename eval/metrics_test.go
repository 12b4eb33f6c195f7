package eval

import (
	"fmt"
	"math"
	"testing"
)

func near(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("%s = %.7f, want %.7f", name, got, want)
	}
}

func set(items ...int32) map[int32]bool {
	m := map[int32]bool{}
	for _, i := range items {
		m[i] = true
	}
	return m
}

func TestRankingMetrics(t *testing.T) {
	t.Run("ndcg of a known list", func(t *testing.T) {
		// hits at ranks 2 and 5; ideal puts 3 hits at ranks 1..3:
		// (1/log2 3 + 1/log2 6) / (1 + 1/log2 3 + 1/2) = 1.0177826 / 2.1309298
		near(t, "NDCG", NDCG([]int32{1, 2, 3, 4, 5}, set(2, 5, 9), 5), 0.4776237035)
		near(t, "perfect NDCG", NDCG([]int32{9, 5, 2, 1}, set(2, 5, 9), 5), 1)
		near(t, "NDCG no hits", NDCG([]int32{1, 3}, set(2), 2), 0)
	})
	t.Run("ndcg ideal is cut at k", func(t *testing.T) {
		// 3 relevant, k = 2, both slots hit: DCG equals IDCG over min(k, 3) = 2.
		near(t, "NDCG", NDCG([]int32{7, 8, 9}, set(7, 8, 9), 2), 1)
	})
	t.Run("recall with test size below k", func(t *testing.T) {
		ranked := []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
		// 1 hit of 2 relevant, k = 10: hits / min(10, 2) = 0.5, precision 1/10.
		near(t, "Recall", Recall(ranked, set(3, 99), 10), 0.5)
		near(t, "Precision", Precision(ranked, set(3, 99), 10), 0.1)
		near(t, "HitRate", HitRate(ranked, set(3, 99), 10), 1)
		near(t, "HitRate miss", HitRate(ranked, set(99), 10), 0)
	})
	t.Run("recall with test size above k", func(t *testing.T) {
		near(t, "Recall", Recall([]int32{1, 2}, set(1, 2, 3, 4), 2), 1)
		near(t, "Recall", Recall([]int32{1, 5}, set(1, 2, 3, 4), 2), 0.5)
	})
	t.Run("map", func(t *testing.T) {
		// hits at ranks 1 and 3: (1/1 + 2/3) / min(4, 2)
		near(t, "AP", AveragePrecision([]int32{10, 11, 12, 13}, set(10, 12), 4), (1+2.0/3)/2)
		// one of two relevant found at rank 2: (1/2) / 2
		near(t, "AP", AveragePrecision([]int32{10, 11, 12}, set(11, 40), 3), 0.25)
	})
	t.Run("mrr", func(t *testing.T) {
		near(t, "RR", ReciprocalRank([]int32{4, 5, 6}, set(6), 3), 1.0/3)
		near(t, "RR beyond k", ReciprocalRank([]int32{4, 5, 6}, set(6), 2), 0)
	})
	t.Run("empty relevant set", func(t *testing.T) {
		for name, f := range map[string]func([]int32, map[int32]bool, int) float64{
			"recall": Recall, "ndcg": NDCG, "ap": AveragePrecision,
		} {
			near(t, name, f([]int32{1}, set(), 10), 0)
		}
	})
}

func TestBeyondAccuracyMetrics(t *testing.T) {
	t.Run("gini", func(t *testing.T) {
		// sorted [0 0 0 4]: 2·(4·4)/(4·4) - 5/4 = 0.75
		near(t, "Gini concentrated", Gini([]float64{0, 4, 0, 0}), 0.75)
		near(t, "Gini equal", Gini([]float64{3, 3, 3}), 0)
		// sorted [1 3]: 2·(1+6)/(2·4) - 3/2 = 0.25
		near(t, "Gini two", Gini([]float64{3, 1}), 0.25)
	})
	t.Run("coverage", func(t *testing.T) {
		near(t, "Coverage", Coverage([][]int32{{0, 1}, {1, 2}}, 6), 0.5)
	})
	t.Run("kl miscalibration", func(t *testing.T) {
		p := map[string]float64{"A": 0.5, "B": 0.5}
		q := map[string]float64{"A": 1}
		// 0.5 ln(0.5/0.995) + 0.5 ln(0.5/0.005)
		near(t, "KL", Miscalibration(p, q, 0.01), 1.9585177736)
		near(t, "KL calibrated", Miscalibration(p, p, 0.01), 0)
	})
	t.Run("category distribution", func(t *testing.T) {
		cats := [][]string{{"A"}, {"A", "B"}, nil}
		got := CategoryDistribution([]int32{0, 1, 2}, nil, cats)
		near(t, "p(A)", got["A"], 0.75)
		near(t, "p(B)", got["B"], 0.25)
	})
	t.Run("intra-list diversity", func(t *testing.T) {
		sim := CategorySimilarity([][]string{{"A"}, {"A", "B"}, {"C"}})
		// pair sims 1/2, 0, 0 -> dissimilarities 0.5, 1, 1
		near(t, "ILD", IntraListDiversity([]int32{0, 1, 2}, sim), 2.5/3)
		near(t, "ILD single", IntraListDiversity([]int32{0}, sim), 0)
	})
	t.Run("novelty", func(t *testing.T) {
		near(t, "Novelty", Novelty([]int32{0, 1}, []float64{0.5, 0.25}, 0.01), 1.5)
		near(t, "Novelty floor", Novelty([]int32{0}, []float64{0}, 0.125), 3)
	})
	t.Run("rmse mae", func(t *testing.T) {
		near(t, "RMSE", RMSE([]float64{1, 3}, []float64{2, 5}), math.Sqrt(2.5))
		near(t, "MAE", MAE([]float64{1, 3}, []float64{2, 5}), 1.5)
		if !math.IsNaN(RMSE(nil, nil)) {
			t.Error("RMSE of nothing should be NaN")
		}
	})
}

func TestTopKExcluding(t *testing.T) {
	scores := []float32{0.5, 0.9, 0.9, float32(math.NaN()), 0.1, 0.7}
	got := topKExcluding(scores, 3, map[int32]bool{5: true})
	want := []int32{1, 2, 0} // tie at 0.9 broken by lower index; 5 excluded; NaN last
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if got := topKExcluding(scores, 10, nil); len(got) != 6 || got[5] != 3 {
		t.Fatalf("k > n: got %v, want all 6 with NaN item 3 last", got)
	}
}

func TestMMRRerank(t *testing.T) {
	// items 0,1 share category A, 2 is B; scores favour 0 > 1 > 2
	sim := CategorySimilarity([][]string{{"A"}, {"A"}, {"B"}})
	scores := []float32{1, 0.9, 0.5}
	pool := []int32{0, 1, 2}
	if got := mmrRerank(pool, scores, 2, 0, sim, false); got[0] != 0 || got[1] != 1 {
		t.Errorf("diversity 0: %v, want [0 1]", got)
	}
	// diversity 0.5: after 0, item 1 scores 0.5·0.8 - 0.5·1 < 0, item 2 scores 0.5·0 - 0 = 0
	if got := mmrRerank(pool, scores, 2, 0.5, sim, false); got[0] != 0 || got[1] != 2 {
		t.Errorf("diversity 0.5: %v, want [0 2]", got)
	}
}

func TestDiversifiers(t *testing.T) {
	// 0, 1 and 5 are alike (A), 2 and 3 are alike (B), 4 is C; scores favour
	// 0 > 1 > 2 > 3 > 4 > 5.
	cats := [][]string{{"A"}, {"A"}, {"B"}, {"B"}, {"C"}, {"A"}}
	sim := CategorySimilarity(cats)
	scores := []float32{1, 0.95, 0.9, 0.85, 0.8, 0.1}
	pool := []int32{0, 1, 2, 3, 4, 5}
	for _, name := range []string{DiversifierMMR, DiversifierMeanMMR, DiversifierDPP} {
		f, err := diversifier(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := f(pool, scores, 3, 0, sim); fmt.Sprint(got) != "[0 1 2]" {
			t.Errorf("%s, diversity 0: %v, want the pool's order [0 1 2]", name, got)
		}
		// Moderate diversity: one of each kind before a second of any, best first.
		if got := f(pool, scores, 3, 0.5, sim); fmt.Sprint(got) != "[0 2 4]" {
			t.Errorf("%s, diversity 0.5: %v, want [0 2 4]", name, got)
		}
		if got := f(pool, scores, 10, 0.5, sim); len(got) != 6 {
			t.Errorf("%s: k beyond the pool gave %v", name, got)
		}
	}
	// The mean similarity forgives an item alike to one of two picked items; the max does
	// not. Scores 1, 0.9, 0.8, 0.2 give rel 1, 0.875, 0.75, 0; after 0 (A) and 2 (B), item 1
	// (A) scores 0.4375 - 0.5·1 under the max but 0.4375 - 0.5·(1+0)/2 under the mean, item
	// 3 (D) 0 under both.
	sim2 := CategorySimilarity([][]string{{"A"}, {"A"}, {"B"}, {"D"}})
	scores2 := []float32{1, 0.9, 0.8, 0.2}
	pool2 := []int32{0, 1, 2, 3}
	mmr, _ := diversifier(DiversifierMMR)
	mean, _ := diversifier(DiversifierMeanMMR)
	if got := mmr(pool2, scores2, 3, 0.5, sim2); fmt.Sprint(got) != "[0 2 3]" {
		t.Errorf("mmr: %v, want [0 2 3]", got)
	}
	if got := mean(pool2, scores2, 3, 0.5, sim2); fmt.Sprint(got) != "[0 2 1]" {
		t.Errorf("mmr-mean: %v, want [0 2 1]", got)
	}
	if _, err := diversifier("greedy"); err == nil {
		t.Error("an unknown diversifier was accepted")
	}
}
