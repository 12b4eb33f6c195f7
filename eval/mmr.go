package eval

import (
	"fmt"
	"math"

	"github.com/recd/recd"
)

// Diversifiers of the offline accuracy-diversity trade-off (Options.Diversifier). Only
// DiversifierMMR is what the served pipeline runs; the others trace other greedy
// re-rankers on the same scores and similarity, to tell a limit of MMR from a limit of
// the data.
const (
	// DiversifierMMR picks the item maximising (1-d)·rel - d·max sim(item, picked).
	DiversifierMMR = "mmr"
	// DiversifierMeanMMR uses the mean similarity to the picked items instead of the
	// maximum: each step then adds the item that raises intra-list diversity most for its
	// relevance.
	DiversifierMeanMMR = "mmr-mean"
	// DiversifierDPP is the greedy MAP of a determinantal point process (Chen, Zhang and
	// Zhou, "Fast Greedy MAP Inference for Determinantal Point Process to Improve
	// Recommendation Diversity", NeurIPS 2018) with kernel L = diag(q)·S·diag(q),
	// q = exp(θ·rel), θ = 5·(1-d)/d, S the similarity plus 1e-3 on the diagonal.
	DiversifierDPP = "dpp"
)

// reranker re-orders a pool (best first, with its scores) for diversity d by sim and
// returns its first k.
type reranker func(pool []int32, scores []float32, k int, d float64, sim func(a, b int32) float64) []int32

// diversifier returns the re-ranker named by name ("" is MMR).
func diversifier(name string) (reranker, error) {
	switch name {
	case "", DiversifierMMR:
		return func(pool []int32, scores []float32, k int, d float64, sim func(a, b int32) float64) []int32 {
			return mmrRerank(pool, scores, k, d, sim, false)
		}, nil
	case DiversifierMeanMMR:
		return func(pool []int32, scores []float32, k int, d float64, sim func(a, b int32) float64) []int32 {
			return mmrRerank(pool, scores, k, d, sim, true)
		}, nil
	case DiversifierDPP:
		return dppRerank, nil
	}
	return nil, recd.Invalid("diversifier", fmt.Sprintf("unknown diversifier %q (%s, %s, %s)", name,
		DiversifierMMR, DiversifierMeanMMR, DiversifierDPP))
}

// minMaxRel returns the pool's scores min-max normalised to [0, 1] (all 1 when equal).
func minMaxRel(pool []int32, scores []float32) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, it := range pool {
		s := float64(scores[it])
		lo, hi = math.Min(lo, s), math.Max(hi, s)
	}
	rel := make([]float64, len(pool))
	for n, it := range pool {
		if hi > lo {
			rel[n] = (float64(scores[it]) - lo) / (hi - lo)
		} else {
			rel[n] = 1
		}
	}
	return rel
}

// mmrRerank re-ranks the pool (best first, with its scores) by maximal marginal relevance
// and returns the first k: each step picks the item maximising
// (1-diversity)·rel - diversity·max sim(item, already picked) (the mean instead of the max
// when mean is set), where rel is the score min-max normalised over the pool. diversity 0
// keeps the pool's order.
func mmrRerank(pool []int32, scores []float32, k int, diversity float64, sim func(a, b int32) float64, mean bool) []int32 {
	if diversity <= 0 || sim == nil || len(pool) <= 1 {
		return pool[:min(k, len(pool))]
	}
	rel := minMaxRel(pool, scores)
	agg := make([]float64, len(pool)) // max or sum of the similarities to the picked items
	used := make([]bool, len(pool))
	out := make([]int32, 0, min(k, len(pool)))
	for len(out) < cap(out) {
		best, bestV := -1, math.Inf(-1)
		for n := range pool {
			if used[n] {
				continue
			}
			s := agg[n]
			if mean && len(out) > 0 {
				s /= float64(len(out))
			}
			if v := (1-diversity)*rel[n] - diversity*s; v > bestV {
				best, bestV = n, v
			}
		}
		used[best] = true
		picked := pool[best]
		out = append(out, picked)
		for n, it := range pool {
			if used[n] {
				continue
			}
			if s := sim(it, picked); mean {
				agg[n] += s
			} else {
				agg[n] = math.Max(agg[n], s)
			}
		}
	}
	return out
}

// dppRerank re-ranks the pool by the greedy MAP of a DPP (see DiversifierDPP), with the
// incremental Cholesky update of Chen et al.'s Algorithm 1: O(k²·pool) similarity-free
// work after one similarity per (picked, remaining) pair. diversity 0 keeps the pool's
// order.
func dppRerank(pool []int32, scores []float32, k int, diversity float64, sim func(a, b int32) float64) []int32 {
	if diversity <= 0 || sim == nil || len(pool) <= 1 {
		return pool[:min(k, len(pool))]
	}
	rel := minMaxRel(pool, scores)
	theta := 5 * (1 - diversity) / diversity
	q := make([]float64, len(pool))
	for n := range pool {
		q[n] = math.Exp(theta * (rel[n] - 1)) // scaled by e^-θ: the argmax is unchanged, no overflow
	}
	d2 := make([]float64, len(pool)) // the squared Cholesky pivot of each remaining item
	for n := range pool {
		d2[n] = q[n] * q[n] * (1 + 1e-3)
	}
	c := make([][]float64, len(pool))
	used := make([]bool, len(pool))
	out := make([]int32, 0, min(k, len(pool)))
	for len(out) < cap(out) {
		best := -1
		for n := range pool {
			if !used[n] && (best < 0 || d2[n] > d2[best]) {
				best = n
			}
		}
		used[best] = true
		out = append(out, pool[best])
		dj := math.Sqrt(math.Max(d2[best], 1e-300))
		for n := range pool {
			if used[n] {
				continue
			}
			dot := 0.0
			for t := range c[best] {
				dot += c[best][t] * c[n][t]
			}
			e := (q[best]*sim(pool[best], pool[n])*q[n] - dot) / dj
			c[n] = append(c[n], e)
			d2[n] -= e * e
		}
		c[best] = append(c[best], dj)
	}
	return out
}
