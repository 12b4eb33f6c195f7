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

// rankKey is a row of a group being ranked: its score and position.
type rankKey struct {
	s float64
	i int32
}

// better is the ranking order: higher score first, ties in position order, so a ranking is a
// function of the scores alone.
func better(a, b rankKey) bool { return a.s > b.s || (a.s == b.s && a.i < b.i) }

// rankTop puts the group's min(k, n) best rows first, best first, and the others after them in
// position order: NDCG@k and its pair changes need no order below k, and keeping the top k
// costs O(n) for most score orders where a full sort costs O(n log n).
func rankTop(scores []float64, k int, order []rankKey) {
	m := min(k, len(scores))
	top := order[:0]
	for i, s := range scores {
		key := rankKey{s, int32(i)}
		if len(top) == m {
			if !better(key, top[m-1]) {
				continue
			}
			top = top[:m-1]
		}
		j := len(top)
		top = append(top, key)
		for ; j > 0 && better(key, top[j-1]); j-- {
			top[j] = top[j-1]
		}
		top[j] = key
	}
	if m == len(scores) {
		return
	}
	last, rest := top[m-1], order[m:m]
	for i, s := range scores {
		if key := (rankKey{s, int32(i)}); better(last, key) {
			rest = append(rest, key)
		}
	}
}

// ndcg returns NDCG@k of one group under scores; ideal is the group's idealDCG (> 0). order is
// scratch of the group's size.
// gain holds the rows' gains (gainOf their grades); ideal > 0.
func (lr *lambdaRank) ndcg(scores, gain []float64, ideal float64, order []rankKey) float64 {
	rankTop(scores, lr.k, order)
	dcg := 0.0
	for p := 0; p < len(order) && p < lr.k; p++ {
		dcg += gain[order[p].i] * lr.disc[p]
	}
	return dcg / ideal
}

// lambdas overwrites g and h with the LambdaRank gradient and hessian of one group and returns
// its NDCG@k under scores. For every pair of rows with different grades, at least one of them
// in the top k (a pair below k cannot change NDCG@k), with hi the more relevant row,
// s = score[hi] - score[lo], rho = 1/(1+exp(s)) and delta = |NDCG change of swapping them|:
// g[hi] -= w*delta*rho, g[lo] += w*delta*rho and both hessians gain w*delta*rho*(1-rho), w being
// hi's weight (1 when weight is nil). That is the gradient of sum w*delta*log(1+exp(-s)) with
// delta held fixed. ex is scratch of the group's size: rho is computed as
// e_lo/(e_lo+e_hi) from e = exp(score - the group's top score), one exp a row, not a pair.
func (lr *lambdaRank) lambdas(scores, gain []float64, weight []float32, ideal float64, order []rankKey, ex, g, h []float64) float64 {
	clear(g)
	clear(h)
	rankTop(scores, lr.k, order)
	n := len(order)
	top := order[0].s
	for i, s := range scores {
		ex[i] = math.Exp(s - top)
	}
	inv := 1 / ideal
	dcg := 0.0
	for a := 0; a < n && a < lr.k; a++ {
		i := order[a].i
		gi := gain[i]
		da := lr.disc[a]
		dcg += gi * da
		for b := a + 1; b < n; b++ {
			j := order[b].i
			gj := gain[j]
			if gj == gi {
				continue
			}
			db := 0.0
			if b < lr.k {
				db = lr.disc[b]
			}
			hi, lo := i, j
			if gj > gi {
				hi, lo = j, i
			}
			rho := 0.0
			if d := ex[lo] + ex[hi]; d > 0 {
				rho = ex[lo] / d
			} else { // both scores more than 700 below the top
				rho = 1 / (1 + math.Exp(scores[hi]-scores[lo]))
			}
			lam := math.Abs((gi-gj)*(da-db)) * inv * rho
			if weight != nil {
				lam *= float64(weight[hi])
			}
			g[hi] -= lam
			g[lo] += lam
			hess := lam * (1 - rho)
			h[hi] += hess
			h[lo] += hess
		}
	}
	return dcg / ideal
}
