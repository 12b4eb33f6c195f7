package rank

import (
	"maps"
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
}

// Rerank picks n candidates greedily under MMR and calibration at once, maximising at each
// step, for the list L so far and candidate i,
//
//	(1-c) * [lambda*rel(i) - (1-lambda)*max(sim(i, s) for s in L)] - c * KL(p || q~(L+i))
//
// with rel, lambda, q~ as in MMR and Calibrate. With Calibration 0 it is MMR, with
// Diversity 0 it is Calibrate, with both 0 the n best by Score. Like them it reorders cands
// in place, picks first and the rest in their previous order, and leaves scores alone.
// Use it instead of running MMR then Calibrate when both are on: a cascade makes the second
// stage choose among the first one's picks. Cost: O(n*len(cands)) calls of Sim plus
// O(n*len(cands)*categories per item) logarithms.
func Rerank(cands []Candidate, n int, opt RerankOptions) error {
	if !(opt.Diversity >= 0 && opt.Diversity <= 1) {
		return recd.Invalid("diversity", "must be in [0, 1]")
	}
	if !(opt.Calibration >= 0 && opt.Calibration <= 1) {
		return recd.Invalid("calibration", "must be in [0, 1]")
	}
	c := opt.Calibration
	if len(opt.Target) == 0 {
		c = 0
	}
	switch {
	case c == 0:
		return MMR(cands, n, opt.Diversity, opt.Sim)
	case opt.Diversity == 0:
		return Calibrate(cands, n, c, opt.Target)
	}
	if n < 0 {
		return recd.Invalid("n", "must be >= 0")
	}
	if opt.Sim == nil {
		return recd.Invalid("similarity", "missing")
	}
	n = min(n, len(cands))
	if n == 0 {
		return nil
	}
	lambda := 1 - opt.Diversity
	kl := newKLState(cands, opt.Target)
	m := len(cands)
	rel := minMaxScores(cands)
	maxSim := make([]float64, m)
	picked := make([]bool, m)
	order := make([]int, 0, m)
	for step := 0; step < n; step++ {
		base := kl.beginStep(step)
		best, bestVal := -1, math.Inf(-1)
		for i := 0; i < m; i++ {
			if picked[i] {
				continue
			}
			ms := maxSim[i]
			if step == 0 {
				ms = 0
			}
			v := (1-c)*(lambda*rel[i]-(1-lambda)*ms) - c*kl.with(base, i)
			if best < 0 || v > bestVal || (v == bestVal && rel[i] > rel[best]) {
				best, bestVal = i, v
			}
		}
		picked[best] = true
		order = append(order, best)
		kl.add(best)
		if step == n-1 {
			break
		}
		id := cands[best].ID
		for i := 0; i < m; i++ {
			if picked[i] {
				continue
			}
			if s := opt.Sim(cands[i].ID, id); step == 0 || s > maxSim[i] {
				maxSim[i] = s
			}
		}
	}
	for i := 0; i < m; i++ {
		if !picked[i] {
			order = append(order, i)
		}
	}
	permute(cands, order)
	return nil
}

// klState evaluates KL(p || q~(list + i)) incrementally for the greedy calibration: adding
// an item changes q~ only in its own categories, since the list size is the same for every
// candidate of a step.
type klState struct {
	pv    []float64 // p over its categories, sorted by name so sums do not depend on map order
	mass  []float64 // category mass of the list so far
	term  []float64 // each category's KL term for the list so far
	start []int32   // item i's (category, share) pairs are cidx/share[start[i]:start[i+1]]
	cidx  []int32
	share []float64
	inv   float64 // (1-alpha) / (list size after this step)
}

func newKLState(cands []Candidate, p Distribution) *klState {
	names := slices.Sorted(maps.Keys(p))
	cat := make(map[string]int32, len(p))
	s := &klState{pv: make([]float64, 0, len(p))}
	for _, g := range names {
		if x := p[g]; x > 0 {
			cat[g] = int32(len(s.pv))
			s.pv = append(s.pv, x)
		}
	}
	s.mass = make([]float64, len(s.pv))
	s.term = make([]float64, len(s.pv))
	m := len(cands)
	s.start = make([]int32, m+1)
	s.cidx = make([]int32, 0, 2*m)
	s.share = make([]float64, 0, 2*m)
	for i, cd := range cands {
		s.start[i] = int32(len(s.cidx))
	next:
		for _, g := range cd.Categories {
			k, ok := cat[g]
			if !ok {
				continue // p_g = 0 adds no KL term, but the share still counts in the item's mass
			}
			w := 1 / float64(len(cd.Categories))
			for j := s.start[i]; j < int32(len(s.cidx)); j++ {
				if s.cidx[j] == k { // a category listed twice counts twice, in one entry
					s.share[j] += w
					continue next
				}
			}
			s.cidx = append(s.cidx, k)
			s.share = append(s.share, w)
		}
	}
	s.start[m] = int32(len(s.cidx))
	return s
}

// beginStep prepares the terms for choosing the item at 0-based position step and returns
// the KL of the list so far measured at the new size.
func (s *klState) beginStep(step int) float64 {
	s.inv = (1 - CalibrationAlpha) / float64(step+1)
	base := 0.0
	for g, pg := range s.pv {
		s.term[g] = pg * math.Log(pg/(s.inv*s.mass[g]+CalibrationAlpha*pg))
		base += s.term[g]
	}
	return base
}

// with returns KL(p || q~(list + i)) for the current step.
func (s *klState) with(base float64, i int) float64 {
	kl := base
	for k := s.start[i]; k < s.start[i+1]; k++ {
		g := s.cidx[k]
		pg := s.pv[g]
		kl += pg*math.Log(pg/(s.inv*(s.mass[g]+s.share[k])+CalibrationAlpha*pg)) - s.term[g]
	}
	return kl
}

// add puts item i into the list.
func (s *klState) add(i int) {
	for k := s.start[i]; k < s.start[i+1]; k++ {
		s.mass[s.cidx[k]] += s.share[k]
	}
}
