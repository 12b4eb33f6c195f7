package gbdt

import (
	"math"
	"slices"
)

// lambdaRank computes NDCG@k and the LambdaRank gradient and hessian of one query group at a
// time. Gains are 2^grade - 1 and the discount of position p (0-based) is 1/log2(p+2), zero
// from position k on. The sigmoid's sigma is 1.
type lambdaRank struct {
	k    int
	disc []float64 // disc[p] for p < k
}

func newLambdaRank(k int) *lambdaRank {
	lr := &lambdaRank{k: k, disc: make([]float64, k)}
	for p := range lr.disc {
		lr.disc[p] = 1 / math.Log2(float64(p)+2)
	}
	return lr
}

func (lr *lambdaRank) discount(p int) float64 {
	if p < lr.k {
		return lr.disc[p]
	}
	return 0
}

func gainOf(label float32) float64 { return math.Exp2(float64(label)) - 1 }

// gains returns the gain of every row.
func gains(labels []float32) []float64 {
	out := make([]float64, len(labels))
	for i, l := range labels {
		out[i] = gainOf(l)
	}
	return out
}

// idealDCG is DCG@k of the group's gains sorted best first; 0 when no row is relevant.
func (lr *lambdaRank) idealDCG(gain []float64) float64 {
	sorted := slices.Clone(gain)
	slices.SortFunc(sorted, func(a, b float64) int { return cmpFloat(b, a) })
	dcg := 0.0
	for p := 0; p < len(sorted) && p < lr.k; p++ {
		dcg += sorted[p] * lr.disc[p]
	}
	return dcg
}

func cmpFloat[T float32 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// rankOrder fills order with the group's positions 0..n-1, highest score first, ties in
// position order, so the ranking is a function of the scores alone.
func rankOrder(scores []float64, order []int32) {
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmpFloat(scores[b], scores[a]); c != 0 {
			return c
		}
		return int(a - b)
	})
}

// ndcg returns NDCG@k of one group under scores; ideal is the group's idealDCG (> 0). order is
// scratch of the group's size.
// gain holds the rows' gains (gainOf their grades); ideal > 0.
func (lr *lambdaRank) ndcg(scores, gain []float64, ideal float64, order []int32) float64 {
	rankOrder(scores, order)
	dcg := 0.0
	for p := 0; p < len(order) && p < lr.k; p++ {
		dcg += gain[order[p]] * lr.disc[p]
	}
	return dcg / ideal
}

// lambdas overwrites g and h with the LambdaRank gradient and hessian of one group and returns
// its NDCG@k under scores. For every pair of rows with different grades, at least one of them
// in the top k (a pair below k cannot change NDCG@k), with hi the more relevant row,
// s = score[hi] - score[lo], rho = 1/(1+exp(s)) and delta = |NDCG change of swapping them|:
// g[hi] -= w*delta*rho, g[lo] += w*delta*rho and both hessians gain w*delta*rho*(1-rho), w being
// hi's weight (1 when weight is nil). That is the gradient of sum w*delta*log(1+exp(-s)) with
// delta held fixed.
func (lr *lambdaRank) lambdas(scores, gain []float64, weight []float32, ideal float64, order []int32, g, h []float64) float64 {
	clear(g)
	clear(h)
	rankOrder(scores, order)
	n := len(order)
	dcg := 0.0
	for a := 0; a < n && a < lr.k; a++ {
		i := order[a]
		gi := gain[i]
		da := lr.disc[a]
		dcg += gi * da
		for b := a + 1; b < n; b++ {
			j := order[b]
			gj := gain[j]
			if gj == gi {
				continue
			}
			delta := math.Abs((gi - gj) * (da - lr.discount(b)) / ideal)
			hi, lo := i, j
			if gj > gi {
				hi, lo = j, i
			}
			rho := 1 / (1 + math.Exp(scores[hi]-scores[lo]))
			w := 1.0
			if weight != nil {
				w = float64(weight[hi])
			}
			lam := w * delta * rho
			g[hi] -= lam
			g[lo] += lam
			hess := lam * (1 - rho)
			h[hi] += hess
			h[lo] += hess
		}
	}
	return dcg / ideal
}
