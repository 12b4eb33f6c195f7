package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// MeanTest is the one-sample t-test of a mean against 0.
type MeanTest struct {
	// N is the number of observations, DF = N − 1 the test's degrees of freedom.
	N, DF int
	// Mean is the sample mean, SE its standard error s/√N (s with divisor N − 1).
	Mean, SE float64
	// Level is the confidence level of CI, Mean ± t·SE with t the Student quantile.
	Level float64
	CI    Interval
	// T is Mean/SE and P its two-sided p-value under Student's t with DF degrees of freedom.
	T, P float64
}

// TTest is the one-sample t-test of mean(xs) = 0 with a level interval of the mean. It is
// the test of paired or per-unit differences: under interleaving, each unit's clicks
// credited to one variant minus those credited to the other, summed over the unit's lists,
// so that the unit of analysis is the unit that lists come from (Chapelle, Joachims,
// Radlinski and Yue, "Large-scale validation and analysis of interleaved search evaluation",
// TOIS 2012, aggregate credit per query or user and test it this way). By the central limit
// theorem it holds its level for skewed, zero-inflated differences once N is a few dozen
// (TestTTest_NullRejectionRate). A zero variance gives p = 1 for a zero mean and p = 0
// otherwise. It needs two observations, all finite.
func TTest(xs []float64, level float64) (MeanTest, error) {
	if err := checkLevel(level); err != nil {
		return MeanTest{}, err
	}
	n := len(xs)
	if n < 2 {
		return MeanTest{N: n}, ErrTooFewUnits
	}
	var sum float64
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return MeanTest{N: n}, fmt.Errorf("%w: an observation is not finite", ErrBadArgument)
		}
		sum += x
	}
	fn := float64(n)
	m := MeanTest{N: n, DF: n - 1, Level: level, Mean: sum / fn}
	var ss float64
	for _, x := range xs {
		d := x - m.Mean
		ss += d * d
	}
	m.SE = math.Sqrt(ss / (fn - 1) / fn)
	if m.SE == 0 {
		m.CI = Interval{m.Mean, m.Mean}
		m.T, m.P = ZTest(m.Mean, 0)
		return m, nil
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(m.DF)}
	q := t.Quantile(0.5 + level/2)
	m.CI = Interval{m.Mean - q*m.SE, m.Mean + q*m.SE}
	m.T = m.Mean / m.SE
	m.P = math.Min(1, 2*t.Survival(math.Abs(m.T)))
	return m, nil
}
