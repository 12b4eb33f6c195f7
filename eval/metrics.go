package eval

import (
	"math"
	"sort"

	"github.com/recd/recd"
)

// The ranking metrics below take one user's ranked list (item indexes, best first), the
// user's relevant (held-out) items and a cut-off k. Lists shorter than k are scored as they
// are; an empty relevant set scores 0. All use binary relevance.

// hits counts relevant items in the top k.
func hits(ranked []int32, rel map[int32]bool, k int) int {
	n := 0
	for i, it := range ranked {
		if i >= k {
			break
		}
		if rel[it] {
			n++
		}
	}
	return n
}

// Precision returns hits@k / k.
func Precision(ranked []int32, rel map[int32]bool, k int) float64 {
	if k <= 0 {
		return 0
	}
	return float64(hits(ranked, rel, k)) / float64(k)
}

// Recall returns hits@k / min(k, |rel|), so a user with fewer test items than k can reach 1.
func Recall(ranked []int32, rel map[int32]bool, k int) float64 {
	d := min(k, len(rel))
	if d == 0 {
		return 0
	}
	return float64(hits(ranked, rel, k)) / float64(d)
}

// HitRate returns 1 when at least one relevant item is in the top k, else 0.
func HitRate(ranked []int32, rel map[int32]bool, k int) float64 {
	if hits(ranked, rel, k) > 0 {
		return 1
	}
	return 0
}

// NDCG returns DCG@k / IDCG@k with gain 1/log2(rank+1) for relevant items, the ideal DCG
// putting min(k, |rel|) relevant items first.
func NDCG(ranked []int32, rel map[int32]bool, k int) float64 {
	dcg := 0.0
	for i, it := range ranked {
		if i >= k {
			break
		}
		if rel[it] {
			dcg += 1 / math.Log2(float64(i+2))
		}
	}
	idcg := 0.0
	for i := 0; i < min(k, len(rel)); i++ {
		idcg += 1 / math.Log2(float64(i+2))
	}
	if idcg == 0 {
		return 0
	}
	return dcg / idcg
}

// AveragePrecision returns the mean of precision@i over the ranks i ≤ k that hold a relevant
// item, divided by min(k, |rel|); MAP is its mean over users.
func AveragePrecision(ranked []int32, rel map[int32]bool, k int) float64 {
	d := min(k, len(rel))
	if d == 0 {
		return 0
	}
	sum, n := 0.0, 0
	for i, it := range ranked {
		if i >= k {
			break
		}
		if rel[it] {
			n++
			sum += float64(n) / float64(i+1)
		}
	}
	return sum / float64(d)
}

// ReciprocalRank returns 1/rank of the first relevant item in the top k, or 0; MRR is its
// mean over users.
func ReciprocalRank(ranked []int32, rel map[int32]bool, k int) float64 {
	for i, it := range ranked {
		if i >= k {
			break
		}
		if rel[it] {
			return 1 / float64(i+1)
		}
	}
	return 0
}

// Coverage returns the fraction of numItems that appear in at least one list.
func Coverage(lists [][]int32, numItems int) float64 {
	if numItems <= 0 {
		return 0
	}
	seen := make(map[int32]bool)
	for _, l := range lists {
		for _, it := range l {
			seen[it] = true
		}
	}
	return float64(len(seen)) / float64(numItems)
}

// IntraListDiversity returns the mean pairwise dissimilarity 1 - sim(a, b) over the list's
// unordered pairs, or 0 for lists of fewer than two items.
func IntraListDiversity(list []int32, sim func(a, b int32) float64) float64 {
	if len(list) < 2 {
		return 0
	}
	sum, n := 0.0, 0
	for i := range list {
		for j := i + 1; j < len(list); j++ {
			sum += 1 - sim(list[i], list[j])
			n++
		}
	}
	return sum / float64(n)
}

// CategorySimilarity returns a similarity on item indexes: the Jaccard index of the items'
// category sets (cats[i] for item i). Items without categories are similar to nothing.
func CategorySimilarity(cats [][]string) func(a, b int32) float64 {
	return func(a, b int32) float64 {
		if int(a) >= len(cats) || int(b) >= len(cats) {
			return 0
		}
		return recd.CategoryJaccard(cats[a], cats[b])
	}
}

// Novelty returns the mean self-information -log2(pop[i]) of the list's items, where pop[i]
// is the fraction of training users who interacted with item i. Items with pop 0 count as
// if one user had seen them (pop floor), so the value stays finite.
func Novelty(list []int32, pop []float64, floor float64) float64 {
	if len(list) == 0 {
		return 0
	}
	sum := 0.0
	for _, it := range list {
		p := floor
		if int(it) < len(pop) && pop[it] > floor {
			p = pop[it]
		}
		sum += -math.Log2(p)
	}
	return sum / float64(len(list))
}

// Gini returns the Gini coefficient of exposure counts over all items: 0 when every item
// is recommended equally often, approaching 1 when a few items take all exposure.
func Gini(exposure []float64) float64 {
	n := len(exposure)
	if n == 0 {
		return 0
	}
	x := append([]float64(nil), exposure...)
	sort.Float64s(x)
	total, weighted := 0.0, 0.0
	for i, v := range x {
		total += v
		weighted += float64(i+1) * v
	}
	if total == 0 {
		return 0
	}
	fn := float64(n)
	return (2*weighted)/(fn*total) - (fn+1)/fn
}

// CategoryDistribution returns p(g) = Σ w_i p(g|i) / Σ w_i over items with weights w (nil
// meaning 1 each), where p(g|i) spreads item i's mass evenly over its categories (Steck 2018).
// Items without categories are ignored.
func CategoryDistribution(items []int32, w []float64, cats [][]string) map[string]float64 {
	p := map[string]float64{}
	total := 0.0
	for n, it := range items {
		if int(it) >= len(cats) || len(cats[it]) == 0 {
			continue
		}
		wi := 1.0
		if w != nil {
			wi = w[n]
		}
		total += wi
		for _, g := range cats[it] {
			p[g] += wi / float64(len(cats[it]))
		}
	}
	if total > 0 {
		for g := range p {
			p[g] /= total
		}
	}
	return p
}

// Miscalibration returns Steck's KL(p || q̃) = Σ_g p(g) log(p(g)/q̃(g)) with
// q̃ = (1-alpha) q + alpha p, where p is the category distribution of the user's history
// and q that of the recommended list. alpha (e.g. 0.01) keeps it finite when q misses a
// category of p. It is 0 for an empty p.
func Miscalibration(p, q map[string]float64, alpha float64) float64 {
	kl := 0.0
	for g, pg := range p {
		if pg <= 0 {
			continue
		}
		qg := (1-alpha)*q[g] + alpha*pg
		kl += pg * math.Log(pg/qg)
	}
	return kl
}

// RMSE returns the root mean squared error between predictions and actual values.
func RMSE(pred, actual []float64) float64 {
	if len(pred) == 0 || len(pred) != len(actual) {
		return math.NaN()
	}
	s := 0.0
	for i := range pred {
		d := pred[i] - actual[i]
		s += d * d
	}
	return math.Sqrt(s / float64(len(pred)))
}

// MAE returns the mean absolute error between predictions and actual values.
func MAE(pred, actual []float64) float64 {
	if len(pred) == 0 || len(pred) != len(actual) {
		return math.NaN()
	}
	s := 0.0
	for i := range pred {
		s += math.Abs(pred[i] - actual[i])
	}
	return s / float64(len(pred))
}
