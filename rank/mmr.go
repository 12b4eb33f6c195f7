package rank

import (
	"math"

	"github.com/recd/recd"
)

// MMR re-ranks cands in place by maximal marginal relevance and puts its n picks first.
// At each step it picks the candidate maximising
//
//	lambda*relevance - (1-lambda)*max(sim(item, s) for s already picked)
//
// with lambda = 1 - diversity (Qdrant's definition: diversity 0 is pure relevance order,
// 1 pure novelty against the list). Relevance is the candidate's Score min-max normalised
// over cands to [0, 1], the scale of cosine similarity between item vectors; the first pick,
// with nothing selected, is the most relevant. Ties go to the more relevant, then the
// earlier candidate. The candidates not picked follow in their previous order, so later
// stages still have a pool. Scores are not changed.
//
// Pass a pool larger than n (e.g. 5n-10n of the best by Score): the cost is O(n*len(cands))
// calls of sim, with the max similarity kept incrementally, and a fixed number of slices
// allocated per call. It runs after the session boost and the exposure boost, before the
// long-tail share; when calibration is on too, use Rerank, which optimises both at once.
func MMR(cands []Candidate, n int, diversity float64, sim Similarity) error {
	if !(diversity >= 0 && diversity <= 1) {
		return recd.Invalid("diversity", "must be in [0, 1]")
	}
	if n < 0 {
		return recd.Invalid("n", "must be >= 0")
	}
	n = min(n, len(cands))
	if n == 0 || diversity == 0 {
		// lambda = 1: the picks are the relevance order, which cands already follow when
		// sorted; sort only the head so the contract holds for unsorted input too.
		if n > 0 {
			selectTop(cands, n)
		}
		return nil
	}
	if sim == nil {
		return recd.Invalid("similarity", "missing")
	}
	lambda := 1 - diversity
	m := len(cands)
	rel := minMaxScores(cands)
	maxSim := make([]float64, m)
	for i := range maxSim {
		maxSim[i] = math.Inf(-1)
	}
	picked := make([]bool, m)
	order := make([]int, 0, m)
	for step := 0; step < n; step++ {
		best := -1
		bestVal := math.Inf(-1)
		for i := 0; i < m; i++ {
			if picked[i] {
				continue
			}
			ms := maxSim[i]
			if step == 0 {
				ms = 0
			}
			v := lambda*rel[i] - (1-lambda)*ms
			if best < 0 || v > bestVal || (v == bestVal && rel[i] > rel[best]) {
				best, bestVal = i, v
			}
		}
		picked[best] = true
		order = append(order, best)
		if step == n-1 {
			break
		}
		id := cands[best].ID
		for i := 0; i < m; i++ {
			if picked[i] {
				continue
			}
			s := sim(cands[i].ID, id)
			if s > maxSim[i] {
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

// minMaxScores returns the candidates' scores min-max normalised to [0, 1] (all 1 when equal).
func minMaxScores(cands []Candidate) []float64 {
	rel := make([]float64, len(cands))
	if len(cands) == 0 {
		return rel
	}
	lo, hi := cands[0].Score, cands[0].Score
	for _, c := range cands {
		lo, hi = min(lo, c.Score), max(hi, c.Score)
	}
	for i, c := range cands {
		if hi > lo {
			rel[i] = (c.Score - lo) / (hi - lo)
		} else {
			rel[i] = 1
		}
	}
	return rel
}

// permute reorders cands in place so that position k holds the element previously at
// order[k], moving each element once by following cycles. order must be a permutation of
// 0..len(cands)-1; it is consumed (left as the identity).
func permute(cands []Candidate, order []int) {
	for k := range order {
		if order[k] == k {
			continue
		}
		tmp := cands[k]
		j := k
		for {
			next := order[j]
			order[j] = j
			if next == k {
				cands[j] = tmp
				break
			}
			cands[j] = cands[next]
			j = next
		}
	}
}

// selectTop moves the n best-scored candidates (ties by earlier position) to the front in
// score order, keeping the rest in their previous order. O(n*len(cands)).
func selectTop(cands []Candidate, n int) {
	for k := 0; k < n; k++ {
		best := k
		for i := k + 1; i < len(cands); i++ {
			if cands[i].Score > cands[best].Score {
				best = i
			}
		}
		if best != k {
			c := cands[best]
			copy(cands[k+1:best+1], cands[k:best])
			cands[k] = c
		}
	}
}

// ILD is the intra-list diversity of ids: the mean over pairs of 1 - sim(a, b); 0 for
// fewer than two ids.
func ILD(ids []string, sim Similarity) float64 {
	if len(ids) < 2 {
		return 0
	}
	sum, pairs := 0.0, 0
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			sum += 1 - sim(ids[i], ids[j])
			pairs++
		}
	}
	return sum / float64(pairs)
}
