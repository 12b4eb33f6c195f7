package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// MaxResamples bounds the bootstrap's resamples: its cost is resamples × units.
const MaxResamples = 100_000

// Bootstrap is the percentile bootstrap of a treatment group's ratio metric against a
// control group's.
type Bootstrap struct {
	Resamples int
	Level     float64
	// Diff is the interval of Treatment − Control, Lift that of Treatment/Control − 1
	// (resamples whose control ratio is 0 or undefined are left out of Lift).
	Diff, Lift Interval
}

// BootstrapCompare draws resamples of each group's units with replacement (each group
// keeps its size), computes the ratio of sums of every resample, and returns the
// percentile intervals of the difference and of the relative lift: the (1−level)/2 and
// (1+level)/2 quantiles of the resampled statistics. It is an alternative to Compare that
// assumes no normality, at resamples times the cost. The same seed gives the same answer.
func BootstrapCompare(control, treatment []Pair, resamples int, level float64, seed uint64) (Bootstrap, error) {
	if err := checkLevel(level); err != nil {
		return Bootstrap{}, err
	}
	if resamples < 2 || resamples > MaxResamples {
		return Bootstrap{}, fmt.Errorf("%w: resamples %d is not in [2, %d]", ErrBadArgument, resamples, MaxResamples)
	}
	if len(control) < 2 || len(treatment) < 2 {
		return Bootstrap{}, ErrTooFewUnits
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed_b007))
	diffs := make([]float64, 0, resamples)
	lifts := make([]float64, 0, resamples)
	for range resamples {
		rc := resampleRatio(rng, control)
		rt := resampleRatio(rng, treatment)
		if math.IsNaN(rc) || math.IsNaN(rt) {
			continue
		}
		diffs = append(diffs, rt-rc)
		if rc != 0 {
			lifts = append(lifts, rt/rc-1)
		}
	}
	if len(diffs) == 0 {
		return Bootstrap{}, ErrZeroDenominator
	}
	return Bootstrap{
		Resamples: resamples,
		Level:     level,
		Diff:      percentileInterval(diffs, level),
		Lift:      percentileInterval(lifts, level),
	}, nil
}

// resampleRatio draws len(units) units with replacement and returns their ratio of sums,
// NaN when the drawn denominators sum to 0.
func resampleRatio(rng *rand.Rand, units []Pair) float64 {
	var num, den float64
	for range units {
		u := units[rng.IntN(len(units))]
		num += u.Num
		den += u.Den
	}
	if den == 0 {
		return math.NaN()
	}
	return num / den
}

// percentileInterval sorts xs and returns its (1−level)/2 and (1+level)/2 quantiles
// (linear interpolation between order statistics); NaNs for an empty xs.
func percentileInterval(xs []float64, level float64) Interval {
	if len(xs) == 0 {
		return Interval{math.NaN(), math.NaN()}
	}
	slices.Sort(xs)
	return Interval{quantile(xs, (1-level)/2), quantile(xs, (1+level)/2)}
}

// quantile returns the q-quantile of sorted xs, interpolating linearly (numpy's default).
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(math.Floor(pos))
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i] + f*(sorted[i+1]-sorted[i])
}
