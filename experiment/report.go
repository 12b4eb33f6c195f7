package experiment

import (
	"fmt"
	"math"

	"github.com/recd/recd/stats"
)

// PrimaryMetric names the metric an A/B report decides on: per-user CTR, the clicked items
// over the impressed items of each unit, pooled over a variant's units as a ratio of sums and
// compared between variants by the delta method.
const PrimaryMetric = "per_user_ctr"

// The thresholds below which a report says it cannot conclude, and the significance level of
// the sample-ratio-mismatch check.
const (
	MinUnitsPerVariant  = 100
	MinClicksPerVariant = 20
	MinDecidedLists     = 20
	SRMAlpha            = 0.001
	level               = 0.95
)

// Tally is what one unit (a user or session) did in one variant: the items it was shown, and
// of those the distinct items it clicked and converted on. Under interleaving a variant's
// tally counts the items that variant placed.
type Tally struct {
	Impressions, Clicks, Conversions int
}

// Data is what a report is computed from: per variant, each unit's tally; under
// interleaving, each list's duel.
type Data struct {
	Units [][]Tally // by variant index
	Duels []Duel
	// Truncated says the lists or events were more than one report reads: the report covers
	// a part of the experiment only.
	Truncated bool
}

// Estimate is a value with its 95% confidence interval.
type Estimate struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// Report is an experiment's outcome.
type Report struct {
	Experiment    string          `json:"experiment"`
	Design        string          `json:"design"`
	Status        string          `json:"status"`
	PrimaryMetric string          `json:"primary_metric"`
	Variants      []VariantReport `json:"variants"`
	SRM           SRM             `json:"srm"`
	// Interleaving is the preference test of an interleaving experiment (nil under A/B).
	Interleaving *InterleavingReport `json:"interleaving,omitempty"`
	// Conclusive is false, with Reason, when the sample is too small or the traffic split is
	// broken; it says nothing about significance (see each p-value).
	Conclusive bool   `json:"conclusive"`
	Reason     string `json:"reason,omitempty"`
}

// VariantReport is one variant's counts and primary metric. Lift (relative to the control,
// the first variant) and PValue are absent for the control and whenever they cannot be
// computed (fewer than two units, no impressions, a control CTR of 0) and under interleaving.
type VariantReport struct {
	Name        string    `json:"name"`
	Weight      float64   `json:"weight"`
	Users       int       `json:"users"`
	Impressions int       `json:"impressions"`
	Clicks      int       `json:"clicks"`
	Conversions int       `json:"conversions"`
	CTR         Estimate  `json:"ctr"`
	Lift        *Estimate `json:"lift,omitempty"`
	PValue      *float64  `json:"p_value,omitempty"`
}

// SRM is the sample-ratio-mismatch check: a chi-square test of the units seen per variant
// against the weights (under interleaving, of the items each variant placed against an even
// split). OK is false when its p-value is below SRMAlpha.
type SRM struct {
	ChiSquare float64 `json:"chi_square"`
	PValue    float64 `json:"p_value"`
	OK        bool    `json:"ok"`
}

// Compute builds x's report from d at status.
func Compute(x *Experiment, status string, d Data) Report {
	r := Report{Experiment: x.ID, Design: x.Design, Status: status, PrimaryMetric: PrimaryMetric,
		Variants: make([]VariantReport, len(x.Variants))}
	ratios := make([]stats.Ratio, len(x.Variants))
	ok := make([]bool, len(x.Variants))
	for i, v := range x.Variants {
		var units []Tally
		if i < len(d.Units) {
			units = d.Units[i]
		}
		vr := VariantReport{Name: v.Name, Weight: v.Weight, Users: len(units)}
		pairs := make([]stats.Pair, len(units))
		for k, u := range units {
			vr.Impressions += u.Impressions
			vr.Clicks += u.Clicks
			vr.Conversions += u.Conversions
			pairs[k] = stats.Pair{Num: float64(u.Clicks), Den: float64(u.Impressions)}
		}
		ratio, err := stats.RatioOf(pairs)
		ratios[i], ok[i] = ratio, err == nil
		vr.CTR = ctrEstimate(vr, ratio, err == nil)
		r.Variants[i] = vr
	}
	if x.Design == DesignInterleaving {
		r.Interleaving = duel(d.Duels)
		r.SRM = placementSRM(r.Variants)
	} else {
		for i := 1; i < len(r.Variants); i++ {
			if ok[0] && ok[i] {
				lift(&r.Variants[i], ratios[0], ratios[i])
			}
		}
		r.SRM = unitSRM(x, r.Variants)
	}
	r.Conclusive, r.Reason = conclusive(&r)
	if d.Truncated {
		r.Conclusive, r.Reason = false, "the experiment served more lists or events than one report reads; it covers the first part only"
	}
	return r
}

// ctrEstimate is the variant's CTR with its delta-method interval; without a variance (fewer
// than two units) the interval is the point.
func ctrEstimate(vr VariantReport, ratio stats.Ratio, ok bool) Estimate {
	if !ok {
		v := 0.0
		if vr.Impressions > 0 {
			v = float64(vr.Clicks) / float64(vr.Impressions)
		}
		return Estimate{v, v, v}
	}
	z := 1.959963984540054
	return Estimate{ratio.Value, math.Max(0, ratio.Value-z*ratio.SE), math.Min(1, ratio.Value+z*ratio.SE)}
}

// lift fills a treatment's relative lift over the control and the p-value of the difference.
func lift(vr *VariantReport, control, treatment stats.Ratio) {
	c, err := stats.CompareRatios(control, treatment, level)
	if err != nil || math.IsNaN(c.Lift) || math.IsNaN(c.P) {
		return
	}
	vr.Lift = &Estimate{c.Lift, c.LiftCI.Lo, c.LiftCI.Hi}
	p := c.P
	vr.PValue = &p
}

func unitSRM(x *Experiment, vs []VariantReport) SRM {
	obs := make([]int64, len(vs))
	w := make([]float64, len(vs))
	for i, v := range vs {
		obs[i], w[i] = int64(v.Users), x.Variants[i].Weight
	}
	return srmOf(obs, w)
}

func placementSRM(vs []VariantReport) SRM {
	obs := make([]int64, len(vs))
	w := make([]float64, len(vs))
	for i, v := range vs {
		obs[i], w[i] = int64(v.Impressions), 1
	}
	return srmOf(obs, w)
}

func srmOf(obs []int64, w []float64) SRM {
	s, err := stats.SampleRatioMismatch(obs, w)
	if err != nil || math.IsInf(s.ChiSquare, 0) {
		return SRM{ChiSquare: math.MaxFloat64, PValue: 0, OK: false}
	}
	return SRM{ChiSquare: s.ChiSquare, PValue: s.P, OK: !s.Mismatch(SRMAlpha)}
}

// conclusive says whether the report can support a conclusion, and why not.
func conclusive(r *Report) (bool, string) {
	if !r.SRM.OK {
		return false, fmt.Sprintf("sample ratio mismatch (chi-square p = %.2g < %g): the traffic split is broken, "+
			"so the comparison is not trustworthy", r.SRM.PValue, SRMAlpha)
	}
	if r.Interleaving != nil {
		if n := r.Interleaving.Wins + r.Interleaving.Losses; n < MinDecidedLists {
			return false, fmt.Sprintf("too few lists decided by clicks (%d, fewer than %d) to conclude", n, MinDecidedLists)
		}
		return true, ""
	}
	for _, v := range r.Variants {
		if v.Users < MinUnitsPerVariant {
			return false, fmt.Sprintf("too small a sample: variant %q has %d users, fewer than %d", v.Name, v.Users, MinUnitsPerVariant)
		}
		if v.Clicks < MinClicksPerVariant {
			return false, fmt.Sprintf("too small a sample: variant %q has %d clicks, fewer than %d", v.Name, v.Clicks, MinClicksPerVariant)
		}
	}
	return true, ""
}
