package sim

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Estimate is a per-user CTR comparison the simulator computes from its own tally, to check
// the server's report against (and to judge runs when the server reports nothing).
type Estimate struct {
	Control, Treatment float64 // per-user CTR: total clicks over total impressions of the users
	Lift               float64 // (treatment - control) / control
	P                  float64 // two-sided, by the delta method
}

// ratio is the ratio of sums over users and the delta-method variance of it.
func ratio(us []UserCount) (r, variance float64) {
	n := float64(len(us))
	if n < 2 {
		return math.NaN(), math.NaN()
	}
	var sc, sn float64
	for _, u := range us {
		sc += float64(u.Clicks)
		sn += float64(u.Impressions)
	}
	mc, mn := sc/n, sn/n
	if mn == 0 {
		return math.NaN(), math.NaN()
	}
	r = mc / mn
	var vcc, vnn, vcn float64
	for _, u := range us {
		dc, dn := float64(u.Clicks)-mc, float64(u.Impressions)-mn
		vcc += dc * dc
		vnn += dn * dn
		vcn += dc * dn
	}
	vcc, vnn, vcn = vcc/(n-1), vnn/(n-1), vcn/(n-1)
	return r, (vcc - 2*r*vcn + r*r*vnn) / (n * mn * mn)
}

// Compare estimates the treatment's per-user CTR against the control's.
func (t *Tally) Compare(control, treatment string) Estimate {
	var cu, tu []UserCount
	if v := t.Variants[control]; v != nil {
		cu = v.PerUser
	}
	if v := t.Variants[treatment]; v != nil {
		tu = v.PerUser
	}
	rc, vc := ratio(cu)
	rt, vt := ratio(tu)
	e := Estimate{Control: rc, Treatment: rt, Lift: (rt - rc) / rc, P: math.NaN()}
	if se := math.Sqrt(vc + vt); se > 0 {
		z := (rt - rc) / se
		e.P = 2 * distuv.UnitNormal.Survival(math.Abs(z))
	}
	return e
}

// Preference is the control's share of the decided interleaved lists (wins over wins and
// losses) and the two-sided exact binomial p-value of a share of one half.
func (t *Tally) Preference() (share, p float64) {
	w, l := t.Interleaved.Wins, t.Interleaved.Losses
	n := w + l
	if n == 0 {
		return math.NaN(), 1
	}
	b := distuv.Binomial{N: float64(n), P: 0.5}
	p = math.Min(1, 2*b.CDF(float64(min(w, l))))
	return float64(w) / float64(n), p
}

// SampleRatio is the chi-square p-value of the users per variant against the weights
// (weights[i] for names[i]); a small value flags broken traffic splitting.
func (t *Tally) SampleRatio(names []string, weights []float64) float64 {
	var total, wsum float64
	for i, n := range names {
		if v := t.Variants[n]; v != nil {
			total += float64(v.Users)
		}
		wsum += weights[i]
	}
	if total == 0 || wsum <= 0 || len(names) < 2 {
		return math.NaN()
	}
	var chi float64
	for i, n := range names {
		var got float64
		if v := t.Variants[n]; v != nil {
			got = float64(v.Users)
		}
		want := total * weights[i] / wsum
		chi += (got - want) * (got - want) / want
	}
	return distuv.ChiSquared{K: float64(len(names) - 1)}.Survival(chi)
}
