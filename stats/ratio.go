package stats

import (
	"fmt"
	"math"
)

// Pair is one unit's numerator and denominator, e.g. a user's clicks and impressions.
type Pair struct {
	Num float64
	Den float64
}

// Ratio is a ratio metric over the units of one group and the delta-method variance of its
// estimate.
type Ratio struct {
	// Units is the number of units n.
	Units int
	// Num and Den are the sums of the units' numerators and denominators.
	Num, Den float64
	// Value is Num/Den, the ratio of the means.
	Value float64
	// Var is the estimated variance of Value; SE its square root.
	Var, SE float64
}

// RatioOf returns the ratio R = mean(X)/mean(Y) of the units' pairs (X numerators, Y
// denominators) and the delta-method variance of R:
//
//	Var(R) ≈ (1/n) · ( s²x/μy² − 2·μx·sxy/μy³ + μx²·s²y/μy⁴ )
//
// with μ the sample means and s², sxy the sample variances and covariance (divisor n−1)
// (Deng, Knoblich and Lu, "Applying the Delta Method in Metric Analytics", KDD 2018, eq. 4).
// It needs two units and a positive denominator sum.
func RatioOf(units []Pair) (Ratio, error) {
	n := len(units)
	if n < 2 {
		return Ratio{Units: n}, ErrTooFewUnits
	}
	var sx, sy float64
	for _, u := range units {
		if math.IsNaN(u.Num) || math.IsNaN(u.Den) || math.IsInf(u.Num, 0) || math.IsInf(u.Den, 0) {
			return Ratio{Units: n}, fmt.Errorf("%w: a unit's numerator or denominator is not finite", ErrBadArgument)
		}
		sx += u.Num
		sy += u.Den
	}
	r := Ratio{Units: n, Num: sx, Den: sy}
	if sy == 0 {
		return r, ErrZeroDenominator
	}
	fn := float64(n)
	mx, my := sx/fn, sy/fn
	var vx, vy, cxy float64
	for _, u := range units {
		dx, dy := u.Num-mx, u.Den-my
		vx += dx * dx
		vy += dy * dy
		cxy += dx * dy
	}
	vx /= fn - 1
	vy /= fn - 1
	cxy /= fn - 1
	r.Value = mx / my
	v := (vx/(my*my) - 2*mx*cxy/(my*my*my) + mx*mx*vy/(my*my*my*my)) / fn
	// Rounding can leave a tiny negative variance when every unit has the same ratio.
	r.Var = math.Max(v, 0)
	r.SE = math.Sqrt(r.Var)
	return r, nil
}

// Interval is a two-sided confidence interval.
type Interval struct {
	Lo, Hi float64
}

// Contains reports whether x lies in the closed interval.
func (iv Interval) Contains(x float64) bool { return iv.Lo <= x && x <= iv.Hi }

// checkLevel accepts a confidence level strictly between 0 and 1.
func checkLevel(level float64) error {
	if !(level > 0 && level < 1) {
		return fmt.Errorf("%w: confidence level %v is not in (0, 1)", ErrBadArgument, level)
	}
	return nil
}
