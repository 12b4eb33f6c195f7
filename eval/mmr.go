package eval

import "math"

// mmrRerank re-ranks the pool (best first, with its scores) by maximal marginal relevance
// and returns the first k: each step picks the item maximising
// (1-diversity)·rel - diversity·max sim(item, already picked), where rel is the score
// min-max normalised over the pool. diversity 0 keeps the pool's order.
func mmrRerank(pool []int32, scores []float32, k int, diversity float64, sim func(a, b int32) float64) []int32 {
	if diversity <= 0 || sim == nil || len(pool) <= 1 {
		if len(pool) > k {
			return pool[:k]
		}
		return pool
	}
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
	maxSim := make([]float64, len(pool))
	used := make([]bool, len(pool))
	out := make([]int32, 0, min(k, len(pool)))
	for len(out) < cap(out) {
		best, bestV := -1, math.Inf(-1)
		for n := range pool {
			if used[n] {
				continue
			}
			v := (1-diversity)*rel[n] - diversity*maxSim[n]
			if v > bestV {
				best, bestV = n, v
			}
		}
		used[best] = true
		picked := pool[best]
		out = append(out, picked)
		for n, it := range pool {
			if !used[n] {
				maxSim[n] = math.Max(maxSim[n], sim(it, picked))
			}
		}
	}
	return out
}
