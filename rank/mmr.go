package rank

import (
	"cmp"
	"slices"

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
	return Rerank(cands, n, RerankOptions{Diversity: diversity, Sim: sim})
}

// RelevanceScale is how Rerank puts candidate scores on the [0, 1] scale of its other terms.
type RelevanceScale string

const (
	// RelevanceMinMax maps the best score of the pool to 1 and the worst to 0, linearly: the
	// relevance gaps keep the shape of the blend's scores, so a clear favourite stays ahead.
	RelevanceMinMax RelevanceScale = "minmax"
	// RelevanceRank maps the candidate at 0-based rank r of a pool of m to 1 - r/(m-1)
	// (equal scores share the better rank): the gap between neighbours is the same
	// everywhere, so the trade-off does not depend on how peaked the scores are.
	RelevanceRank RelevanceScale = "rank"
)

// relevance returns the candidates' scores on the given scale ("" is RelevanceMinMax).
func relevance(cands []Candidate, scale RelevanceScale) []float64 {
	if scale != RelevanceRank {
		return minMaxScores(cands)
	}
	m := len(cands)
	rel := make([]float64, m)
	if m < 2 {
		for i := range rel {
			rel[i] = 1
		}
		return rel
	}
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cands[b].Score, cands[a].Score) })
	r := 0
	for k, i := range order {
		if k > 0 && cands[i].Score != cands[order[k-1]].Score {
			r = k
		}
		rel[i] = 1 - float64(r)/float64(m-1)
	}
	return rel
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
