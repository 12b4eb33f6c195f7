package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// SRM is the outcome of a sample-ratio-mismatch check.
type SRM struct {
	// ChiSquare is Σ (observed − expected)²/expected; DF its degrees of freedom (groups − 1).
	ChiSquare float64
	DF        int
	// P is the chi-square goodness-of-fit p-value.
	P float64
}

// Mismatch reports whether the split is broken at threshold alpha (conventionally 0.001,
// strict because the check runs on every report and a true mismatch gives tiny p-values).
func (s SRM) Mismatch(alpha float64) bool { return s.P < alpha }

// SampleRatioMismatch tests whether the observed unit counts per group fit the configured
// weights: expected_i = N·w_i/Σw, statistic Σ (o_i − e_i)²/e_i, p = P(χ²_{k−1} ≥ statistic).
// It needs at least two groups, weights ≥ 0 with a positive sum, non-negative counts, and no
// observations in a group of weight 0.
func SampleRatioMismatch(observed []int64, weights []float64) (SRM, error) {
	k := len(observed)
	if k < 2 || len(weights) != k {
		return SRM{}, fmt.Errorf("%w: need two or more groups, one weight each", ErrBadArgument)
	}
	var n, wsum float64
	for i := range observed {
		if observed[i] < 0 || weights[i] < 0 || math.IsNaN(weights[i]) || math.IsInf(weights[i], 0) {
			return SRM{}, fmt.Errorf("%w: counts and weights must be finite and non-negative", ErrBadArgument)
		}
		n += float64(observed[i])
		wsum += weights[i]
	}
	if wsum <= 0 {
		return SRM{}, fmt.Errorf("%w: weights sum to %v", ErrBadArgument, wsum)
	}
	s := SRM{DF: k - 1}
	if n == 0 {
		s.P = 1
		return s, nil
	}
	for i, o := range observed {
		e := n * weights[i] / wsum
		if e == 0 {
			if o > 0 {
				s.ChiSquare, s.P = math.Inf(1), 0
				return s, nil
			}
			continue
		}
		d := float64(o) - e
		s.ChiSquare += d * d / e
	}
	s.P = distuv.ChiSquared{K: float64(s.DF)}.Survival(s.ChiSquare)
	return s, nil
}

// BinomialTest returns the two-sided exact p-value of k successes in n trials with success
// probability p: the probability, under Binomial(n, p), of every outcome no more likely than
// k (the "minlike" definition scipy.stats.binomtest uses, with its relative tolerance 1e-7).
func BinomialTest(k, n int, p float64) (float64, error) {
	if n < 0 || k < 0 || k > n || !(p >= 0 && p <= 1) {
		return 0, fmt.Errorf("%w: binomial test of %d of %d at p=%v", ErrBadArgument, k, n, p)
	}
	if n == 0 || p == 0 || p == 1 {
		if (p == 0 && k != 0) || (p == 1 && k != n) {
			return 0, nil
		}
		return 1, nil
	}
	b := distuv.Binomial{N: float64(n), P: p}
	mean := float64(n) * p
	if float64(k) == mean {
		return 1, nil
	}
	d := b.Prob(float64(k)) * (1 + 1e-7)
	var pv float64
	if float64(k) < mean {
		// Lower tail up to k, plus the upper outcomes j ≥ first no likelier than k.
		j := firstAtMost(b, d, int(math.Ceil(mean)), n, true)
		pv = lowerTail(n, k, p) + upperTail(n, j, p)
	} else {
		// Upper tail from k, plus the lower outcomes up to the last no likelier than k.
		j := firstAtMost(b, d, 0, int(math.Floor(mean)), false)
		pv = upperTail(n, k, p) + lowerTail(n, j, p)
	}
	return math.Min(1, pv), nil
}

// SignTest is the two-sided exact sign test: wins against losses with ties left out,
// BinomialTest(wins, wins+losses, 0.5). Interleaving uses it on per-unit preferences.
func SignTest(wins, losses int) (float64, error) {
	return BinomialTest(wins, wins+losses, 0.5)
}

// firstAtMost searches [lo, hi] of a unimodal pmf for the tail no likelier than d. With
// upper set, the pmf falls over [lo, hi] and it returns the smallest j with pmf(j) ≤ d
// (hi+1 when none); otherwise the pmf rises and it returns the largest j with pmf(j) ≤ d
// (lo−1 when none).
func firstAtMost(b distuv.Binomial, d float64, lo, hi int, upper bool) int {
	if upper {
		for lo <= hi {
			mid := lo + (hi-lo)/2
			if b.Prob(float64(mid)) <= d {
				hi = mid - 1
			} else {
				lo = mid + 1
			}
		}
		return lo
	}
	for lo <= hi {
		mid := lo + (hi-lo)/2
		if b.Prob(float64(mid)) <= d {
			lo = mid + 1
		} else {
			hi = mid - 1
		}
	}
	return hi
}

// lowerTail is P(X ≤ k) for X ~ Binomial(n, p), 0 for k < 0.
func lowerTail(n, k int, p float64) float64 {
	if k < 0 {
		return 0
	}
	if k >= n {
		return 1
	}
	return mathext.RegIncBeta(float64(n-k), float64(k+1), 1-p)
}

// upperTail is P(X ≥ j) for X ~ Binomial(n, p), computed directly so that tiny tails keep
// their precision; 0 for j > n.
func upperTail(n, j int, p float64) float64 {
	if j <= 0 {
		return 1
	}
	if j > n {
		return 0
	}
	return mathext.RegIncBeta(float64(j), float64(n-j+1), p)
}
