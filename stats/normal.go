package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// zCritical returns z with P(|Z| ≤ z) = level for a standard normal Z (1.959964 for 0.95).
func zCritical(level float64) float64 {
	return distuv.UnitNormal.Quantile(0.5 + level/2)
}

// twoSidedP returns P(|Z| ≥ |z|) for a standard normal Z, computed from the upper tail so
// that small p-values keep their precision.
func twoSidedP(z float64) float64 {
	if math.IsNaN(z) {
		return math.NaN()
	}
	return math.Min(1, 2*distuv.UnitNormal.Survival(math.Abs(z)))
}

// ZTest returns the two-sided p-value of an estimate est with standard error se against 0
// under the normal approximation. A zero standard error gives p = 1 for a zero estimate and
// p = 0 otherwise.
func ZTest(est, se float64) (z, p float64) {
	if se == 0 {
		if est == 0 {
			return 0, 1
		}
		return math.Copysign(math.Inf(1), est), 0
	}
	z = est / se
	return z, twoSidedP(z)
}

// MinDetectableEffect returns the smallest absolute difference a two-sided test at
// significance alpha detects with the given power when the difference's standard error is
// se: (z₁₋α/₂ + z_power)·se. A report compares it with the observed difference to say that a
// sample is too small to conclude.
func MinDetectableEffect(se, alpha, power float64) float64 {
	return (zCritical(1-alpha) + distuv.UnitNormal.Quantile(power)) * se
}
