package stats

import (
	"fmt"
	"math"
)

// Comparison is a treatment group's ratio metric against a control group's.
type Comparison struct {
	Control, Treatment Ratio
	// Level is the confidence level of the intervals (0.95 for 95%).
	Level float64
	// Diff is Treatment.Value − Control.Value; DiffSE its standard error; DiffCI its interval.
	Diff, DiffSE float64
	DiffCI       Interval
	// Lift is the relative lift Treatment.Value/Control.Value − 1; LiftSE its delta-method
	// standard error; LiftCI its interval. All three are NaN when the control's value is 0.
	Lift, LiftSE float64
	LiftCI       Interval
	// Z and P are the test of Diff = 0: Z = Diff/DiffSE, P two-sided under the normal
	// approximation.
	Z, P float64
}

// Significant reports whether the difference is significant at alpha (P < alpha).
func (c Comparison) Significant(alpha float64) bool { return c.P < alpha }

// Compare compares two independent groups' ratio metrics. With Rc and Rt the control's and
// treatment's ratios and Vc, Vt their delta-method variances (RatioOf):
//
//	Diff = Rt − Rc,          Var(Diff) = Vt + Vc
//	Lift = Rt/Rc − 1,        Var(Lift) ≈ Vt/Rc² + Rt²·Vc/Rc⁴
//	CI   = estimate ± z·SE   (z = 1.96 for level 0.95)
//	P    = 2·(1 − Φ(|Diff|/SE(Diff)))
//
// The lift's variance is the delta method applied to Rt/Rc with the groups independent.
func Compare(control, treatment []Pair, level float64) (Comparison, error) {
	if err := checkLevel(level); err != nil {
		return Comparison{}, err
	}
	c := Comparison{Level: level}
	var err error
	if c.Control, err = RatioOf(control); err != nil {
		return c, fmt.Errorf("control: %w", err)
	}
	if c.Treatment, err = RatioOf(treatment); err != nil {
		return c, fmt.Errorf("treatment: %w", err)
	}
	return compareRatios(c), nil
}

// CompareRatios is Compare for ratios already computed with RatioOf.
func CompareRatios(control, treatment Ratio, level float64) (Comparison, error) {
	if err := checkLevel(level); err != nil {
		return Comparison{}, err
	}
	if control.Units < 2 || treatment.Units < 2 {
		return Comparison{}, ErrTooFewUnits
	}
	if control.Den == 0 || treatment.Den == 0 {
		return Comparison{}, ErrZeroDenominator
	}
	return compareRatios(Comparison{Control: control, Treatment: treatment, Level: level}), nil
}

func compareRatios(c Comparison) Comparison {
	z := zCritical(c.Level)
	rc, rt := c.Control.Value, c.Treatment.Value
	c.Diff = rt - rc
	c.DiffSE = math.Sqrt(c.Treatment.Var + c.Control.Var)
	c.DiffCI = Interval{c.Diff - z*c.DiffSE, c.Diff + z*c.DiffSE}
	c.Z, c.P = ZTest(c.Diff, c.DiffSE)
	if rc == 0 {
		c.Lift, c.LiftSE = math.NaN(), math.NaN()
		c.LiftCI = Interval{math.NaN(), math.NaN()}
		return c
	}
	c.Lift = rt/rc - 1
	c.LiftSE = math.Sqrt(c.Treatment.Var/(rc*rc) + rt*rt*c.Control.Var/(rc*rc*rc*rc))
	c.LiftCI = Interval{c.Lift - z*c.LiftSE, c.Lift + z*c.LiftSE}
	return c
}
