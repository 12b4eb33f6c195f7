package rank

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/recd/recd"
)

// RerankOptions are a request's list-level objectives for Rerank.
type RerankOptions struct {
	// Diversity in [0, 1] is MMR's diversity (lambda = 1 - Diversity); 0 turns MMR off.
	Diversity float64
	// Sim is the item similarity MMR uses; required when Diversity > 0.
	Sim Similarity
	// Calibration in [0, 1] is Steck's c; 0 turns calibration off.
	Calibration float64
	// Target is the category distribution p to calibrate to (TargetDistribution); an empty
	// Target turns calibration off.
	Target Distribution
	// Pool, when > 0, limits the choice to the first max(Pool, n) candidates, which the caller
	// passes sorted by Score (Blend and the boosts leave them so); the rest stay behind the
	// pool in their order. 0 chooses among all candidates.
	Pool int
	// Relevance is how Score becomes the relevance term, on the [0, 1] scale of similarity
	// and of the KL differences: RelevanceMinMax (the default, "") or RelevanceRank.
	Relevance RelevanceScale
}

// Rerank picks n candidates greedily under MMR and calibration at once, maximising at each
// step, for the list L so far and candidate i,
//
//	(1-c) * [lambda*rel(i) - (1-lambda)*max(sim(i, s) for s in L)] - c * KL(p || q~(L+i))
//
// with lambda = 1 - Diversity (Qdrant's definition), c = Calibration, rel the candidate's
// Score mapped to [0, 1] over the pool by opt.Relevance, and q~ as in Miscalibration. The
// relevance sum of L in Steck's objective (1-c)*sum(rel) - c*KL is the same for every i of a
// step, so only rel(i) enters. With Calibration 0 it is MMR, with Diversity 0 it is
// Calibrate, with both 0 the n best by Score. The first pick, with nothing selected, has no
// similarity term; ties go to the more relevant, then the earlier candidate. Like MMR and
// Calibrate it reorders cands in place, picks first and the rest in their previous order,
// and leaves scores alone. Use it instead of running MMR then Calibrate when both are on: a
// cascade makes the second stage choose among the first one's picks.
//
// Cost, with m the pool size: O(n*m) calls of Sim (the max similarity is kept
// incrementally) plus O(n*m*categories per item) logarithms, and a fixed number of slices.
func Rerank(cands []Candidate, n int, opt RerankOptions) error {
	return rerank(context.Background(), cands, n, opt)
}

// validate reports a bad option or n as a recd.ErrInvalid field error.
func (opt RerankOptions) validate(n int) error {
	if !(opt.Diversity >= 0 && opt.Diversity <= 1) {
		return recd.Invalid("diversity", "must be in [0, 1]")
	}
	if !(opt.Calibration >= 0 && opt.Calibration <= 1) {
		return recd.Invalid("calibration", "must be in [0, 1]")
	}
	if n < 0 {
		return recd.Invalid("n", "must be >= 0")
	}
	if opt.Pool < 0 {
		return recd.Invalid("pool", "must be >= 0")
	}
	if opt.Relevance != "" && opt.Relevance != RelevanceMinMax && opt.Relevance != RelevanceRank {
		return recd.Invalid("relevance", "must be minmax or rank")
	}
	if opt.Diversity > 0 && opt.Sim == nil {
		return recd.Invalid("similarity", "missing")
	}
	return nil
}

// rerank is Rerank checking ctx at every greedy step, so that a cancelled request stops
// after at most one pass over the pool.
func rerank(ctx context.Context, cands []Candidate, n int, opt RerankOptions) error {
	if err := opt.validate(n); err != nil {
		return err
	}
	c, d := opt.Calibration, opt.Diversity
	if len(opt.Target) == 0 {
		c = 0
	}
	n = min(n, len(cands))
	if n == 0 {
		return nil
	}
	if c == 0 && d == 0 {
		// The picks are the relevance order, which cands already follow when sorted; sort
		// only the head so the contract holds for unsorted input too.
		selectTop(cands, n)
		return nil
	}
	if opt.Pool > 0 && opt.Pool < len(cands) {
		// The best Pool by score, whatever order a boost left them in.
		byScore := func(a, b Candidate) int { return cmp.Compare(b.Score, a.Score) }
		if !slices.IsSortedFunc(cands, byScore) {
			slices.SortStableFunc(cands, byScore)
		}
		cands = cands[:max(opt.Pool, n)]
	}
	g := greedy{cands: cands, lambda: 1 - d, d: d, c: c, sim: opt.Sim, rel: relevance(cands, opt.Relevance)}
	if c > 0 {
		g.kl = newKLState(cands, opt.Target)
	}
	order, err := g.pick(ctx, n)
	if err != nil {
		return err
	}
	permute(cands, order)
	return nil
}

// greedy is one Rerank run's state: the pool, the objective's terms and the candidates'
// relevance. It belongs to one Rerank call; not for concurrent use.
type greedy struct {
	cands     []Candidate
	lambda, d float64 // MMR's lambda = 1 - d
	c         float64 // calibration
	sim       Similarity
	kl        *klState // nil: calibration off
	rel       []float64
}

// pick returns the order of the pool: n greedy picks, then the rest in their order.
func (g *greedy) pick(ctx context.Context, n int) ([]int, error) {
	m := len(g.cands)
	maxSim := make([]float64, m)
	picked := make([]bool, m)
	order := make([]int, 0, m)
	cands, sim, lambda, d, c, kl, rel := g.cands, g.sim, g.lambda, g.d, g.c, g.kl, g.rel
	for step := 0; step < n; step++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		base := 0.0
		if kl != nil {
			base = kl.beginStep(step)
		}
		best, bestVal := -1, math.Inf(-1)
		for i := 0; i < m; i++ {
			if picked[i] {
				continue
			}
			v := lambda * rel[i]
			if d > 0 && step > 0 {
				v -= (1 - lambda) * maxSim[i]
			}
			if kl != nil {
				v = (1-c)*v - c*kl.with(base, i)
			}
			if best < 0 || v > bestVal || (v == bestVal && rel[i] > rel[best]) {
				best, bestVal = i, v
			}
		}
		picked[best] = true
		order = append(order, best)
		if kl != nil {
			kl.add(best)
		}
		if d == 0 || step == n-1 {
			continue
		}
		id := cands[best].ID
		for i := 0; i < m; i++ {
			if picked[i] {
				continue
			}
			if s := sim(cands[i].ID, id); step == 0 || s > maxSim[i] {
				maxSim[i] = s
			}
		}
	}
	for i := 0; i < m; i++ {
		if !picked[i] {
			order = append(order, i)
		}
	}
	return order, nil
}
