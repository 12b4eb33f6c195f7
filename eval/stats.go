package eval

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/recd/recd"
	"gonum.org/v1/gonum/stat/distuv"
)

// paired returns the per-user values of metric for the users both results share, in a's order.
func paired(a, b *Result, metric string) (xs, ys []float64, err error) {
	byUser := make(map[string]float64, len(b.PerUser))
	for _, ur := range b.PerUser {
		v, ok := ur.Metrics[metric]
		if !ok {
			return nil, nil, recd.Invalid("metric", fmt.Sprintf("%q not in per-user results of %s", metric, b.Model))
		}
		byUser[ur.User] = v
	}
	for _, ur := range a.PerUser {
		y, ok := byUser[ur.User]
		if !ok {
			continue
		}
		x, ok := ur.Metrics[metric]
		if !ok {
			return nil, nil, recd.Invalid("metric", fmt.Sprintf("%q not in per-user results of %s", metric, a.Model))
		}
		xs = append(xs, x)
		ys = append(ys, y)
	}
	if len(xs) < 2 {
		return nil, nil, recd.Invalid("results", "fewer than two shared users")
	}
	return xs, ys, nil
}

// PairedTTest runs a two-sided paired t-test on metric over the users both results share.
// It returns the mean difference a - b, the t statistic and the p-value. Identical results
// give t = 0 and p = 1.
func PairedTTest(a, b *Result, metric string) (diff, t, p float64, err error) {
	xs, ys, err := paired(a, b, metric)
	if err != nil {
		return 0, 0, 0, err
	}
	n := float64(len(xs))
	mean := 0.0
	for i := range xs {
		mean += xs[i] - ys[i]
	}
	mean /= n
	ss := 0.0
	for i := range xs {
		d := xs[i] - ys[i] - mean
		ss += d * d
	}
	sd := math.Sqrt(ss / (n - 1))
	if sd == 0 {
		if mean == 0 {
			return 0, 0, 1, nil
		}
		return mean, math.Inf(int(math.Copysign(1, mean))), 0, nil
	}
	t = mean / (sd / math.Sqrt(n))
	dist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}
	p = 2 * dist.CDF(-math.Abs(t))
	return mean, t, p, nil
}

// PairedBootstrap returns the two-sided paired bootstrap p-value of metric's mean difference
// a - b: users are resampled with replacement rounds times (generator seeded by seed) and p is
// twice the smaller share of resampled mean differences on either side of zero, capped at 1.
func PairedBootstrap(a, b *Result, metric string, rounds int, seed uint64) (diff, p float64, err error) {
	if rounds <= 0 {
		return 0, 0, recd.Invalid("rounds", "must be positive")
	}
	xs, ys, err := paired(a, b, metric)
	if err != nil {
		return 0, 0, err
	}
	n := len(xs)
	d := make([]float64, n)
	for i := range xs {
		d[i] = xs[i] - ys[i]
		diff += d[i]
	}
	diff /= float64(n)
	rng := rand.New(rand.NewPCG(seed, 0xb5ad4eceda1ce2a9))
	le, ge := 0, 0
	for r := 0; r < rounds; r++ {
		s := 0.0
		for i := 0; i < n; i++ {
			s += d[rng.IntN(n)]
		}
		m := s / float64(n)
		if m <= 0 {
			le++
		}
		if m >= 0 {
			ge++
		}
	}
	p = 2 * float64(min(le, ge)) / float64(rounds)
	return diff, min(p, 1), nil
}
