package gbdt

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLambdaRank_GradientCheck checks the LambdaRank gradient and hessian of small groups
// against the pairwise loss sum w*|dNDCG|*log(1+exp(-(s_hi-s_lo))) over every pair of rows with
// different grades, where |dNDCG| is the brute-force change of NDCG@k when the two rows swap
// places (recomputed from scratch), differentiated numerically with |dNDCG| held fixed.
func TestLambdaRank_GradientCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		n := 2 + rng.IntN(7)
		k := []int{1, 2, 3, 10}[rng.IntN(4)]
		grades := make([]float32, n)
		weight := make([]float32, n)
		scores := make([]float64, n)
		for i := range grades {
			grades[i] = float32(rng.IntN(4))
			weight[i] = 0.5 + rng.Float32()
			scores[i] = rng.NormFloat64()
		}
		if trial%3 == 0 {
			weight = nil
		}
		lr := newLambdaRank(k)
		gain := gains(grades)
		ideal := lr.idealDCG(gain)
		if ideal == 0 {
			continue
		}
		g, h := make([]float64, n), make([]float64, n)
		got := lr.lambdas(scores, gain, weight, ideal, make([]rankKey, n), make([]float64, n), g, h)
		want, _ := ndcgAt(scores, grades, k)
		if math.Abs(got-want) > 1e-12 {
			t.Fatalf("trial %d: NDCG %v, brute force %v", trial, got, want)
		}
		loss := pairLoss(scores, grades, weight, k)
		for i := range scores {
			const eps = 1e-5
			s := scores[i]
			scores[i] = s + eps
			up := loss(scores)
			scores[i] = s - eps
			down := loss(scores)
			scores[i] = s
			mid := loss(scores)
			numG := (up - down) / (2 * eps)
			numH := (up - 2*mid + down) / (eps * eps)
			if math.Abs(g[i]-numG) > 1e-6 {
				t.Fatalf("trial %d (n=%d k=%d): gradient[%d] = %v, numeric %v", trial, n, k, i, g[i], numG)
			}
			if math.Abs(h[i]-numH) > 1e-3 {
				t.Fatalf("trial %d (n=%d k=%d): hessian[%d] = %v, numeric %v", trial, n, k, i, h[i], numH)
			}
		}
	}
}

// pairLoss returns the LambdaRank loss as a function of the scores, with every pair's |dNDCG|
// fixed at the scores given now.
func pairLoss(scores []float64, grades, weight []float32, k int) func([]float64) float64 {
	type pair struct {
		hi, lo int
		w      float64
	}
	base, _ := ndcgAt(scores, grades, k)
	var pairs []pair
	for i := range grades {
		for j := range grades {
			if grades[i] <= grades[j] {
				continue
			}
			swapped := append([]float64(nil), scores...)
			swapped[i], swapped[j] = swapped[j], swapped[i]
			after, _ := ndcgAt(swapped, grades, k)
			w := 1.0
			if weight != nil {
				w = float64(weight[i])
			}
			pairs = append(pairs, pair{i, j, w * math.Abs(after-base)})
		}
	}
	return func(s []float64) float64 {
		l := 0.0
		for _, p := range pairs {
			l += p.w * math.Log1p(math.Exp(-(s[p.hi] - s[p.lo])))
		}
		return l
	}
}

// TestRankTop_MatchesAFullSort: the top k are a full sort's first k (ties in position order),
// the others follow in position order.
func TestRankTop_MatchesAFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for trial := 0; trial < 500; trial++ {
		n, k := 1+rng.IntN(40), 1+rng.IntN(12)
		scores := make([]float64, n)
		for i := range scores {
			scores[i] = float64(rng.IntN(6)) // many ties
		}
		want := make([]rankKey, n)
		for i, s := range scores {
			want[i] = rankKey{s, int32(i)}
		}
		slices.SortStableFunc(want, func(a, b rankKey) int { return cmpFloat(b.s, a.s) })
		got := make([]rankKey, n)
		rankTop(scores, k, got)
		m := min(k, n)
		if !slices.Equal(got[:m], want[:m]) {
			t.Fatalf("scores %v k %d: top %v, want %v", scores, k, got[:m], want[:m])
		}
		rest := slices.Clone(want[m:])
		slices.SortFunc(rest, func(a, b rankKey) int { return int(a.i - b.i) })
		if !slices.Equal(got[m:], rest) {
			t.Fatalf("scores %v k %d: rest %v, want %v", scores, k, got[m:], rest)
		}
	}
}
