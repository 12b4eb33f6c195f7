package gbdt

import (
	"math"
	"math/rand/v2"
	"slices"
)

// trueScore is the known ranking function of the synthetic sets: it depends on features 0, 1
// and 2 only, monotone in each.
func trueScore(x []float32) float64 {
	return 3*float64(x[0]) + 2*float64(x[1])*float64(x[1]) - 2*float64(x[2])
}

// synth makes groups query groups of size rows with nf >= 3 uniform features; a row's grade
// (0..3) cuts trueScore plus Gaussian noise of the given deviation. Features past the third are
// missing (NaN) in 5% of rows.
func synth(seed uint64, groups, size, nf int, noise float64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	rows := groups * size
	d := &Dataset{NumFeatures: nf, X: make([]float32, rows*nf), Label: make([]float32, rows), Group: make([]int, groups)}
	for q := range d.Group {
		d.Group[q] = size
	}
	for r := 0; r < rows; r++ {
		x := d.X[r*nf : r*nf+nf]
		for f := range x {
			x[f] = rng.Float32()
			if f >= 3 && rng.Float64() < 0.05 {
				x[f] = float32(math.NaN())
			}
		}
		u := trueScore(x) + noise*rng.NormFloat64()
		switch {
		case u > 3.6:
			d.Label[r] = 3
		case u > 3:
			d.Label[r] = 2
		case u > 2.2:
			d.Label[r] = 1
		}
	}
	return d
}

// dcgAt is DCG@k of the grades in the given order, written out independently of the package.
func dcgAt(grades []float32, k int) float64 {
	dcg := 0.0
	for p := 0; p < len(grades) && p < k; p++ {
		dcg += (math.Pow(2, float64(grades[p])) - 1) / math.Log2(float64(p)+2)
	}
	return dcg
}

// ndcgAt is NDCG@k of grades ranked by scores (highest first, ties by position); ok is false
// when no grade is relevant.
func ndcgAt(scores []float64, grades []float32, k int) (v float64, ok bool) {
	idx := make([]int, len(grades))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	ranked := make([]float32, len(grades))
	for p, i := range idx {
		ranked[p] = grades[i]
	}
	ideal := slices.Clone(grades)
	slices.SortFunc(ideal, func(a, b float32) int { return cmpFloat(b, a) })
	idcg := dcgAt(ideal, k)
	if idcg == 0 {
		return 0, false
	}
	return dcgAt(ranked, k) / idcg, true
}

// meanNDCG averages ndcgAt over the groups of d that have a relevant row.
func meanNDCG(d *Dataset, scores []float64, k int) float64 {
	sum, n, lo := 0.0, 0, 0
	for _, size := range d.Group {
		if v, ok := ndcgAt(scores[lo:lo+size], d.Label[lo:lo+size], k); ok {
			sum += v
			n++
		}
		lo += size
	}
	return sum / float64(n)
}
