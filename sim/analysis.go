package sim

import (
	"math"

	"github.com/recd/recd/stats"
)

// level is the confidence level of the simulator's intervals.
const level = 0.95

// Estimate is a per-user CTR comparison the simulator computes from its own tally, to check
// the server's report against (and to judge runs when the server reports nothing).
type Estimate struct {
	Control, Treatment float64 // per-user CTR: total clicks over total impressions of the users
	Lift               float64 // (treatment - control) / control
	P                  float64 // two-sided, by the delta method
}

// pairsOf is each user's clicks over the items shown to them.
func pairsOf(us []UserCount) []stats.Pair {
	out := make([]stats.Pair, len(us))
	for i, u := range us {
		out[i] = stats.Pair{Num: float64(u.Clicks), Den: float64(u.Impressions)}
	}
	return out
}

// Compare estimates the treatment's per-user CTR against the control's by the delta method
// (stats.Compare, as the server's report does). Values it cannot compute are NaN.
func (t *Tally) Compare(control, treatment string) Estimate {
	var cu, tu []UserCount
	if v := t.Variants[control]; v != nil {
		cu = v.PerUser
	}
	if v := t.Variants[treatment]; v != nil {
		tu = v.PerUser
	}
	nan := math.NaN()
	e := Estimate{Control: nan, Treatment: nan, Lift: nan, P: nan}
	c, err := stats.Compare(pairsOf(cu), pairsOf(tu), level)
	if c.Control.Den > 0 {
		e.Control = c.Control.Value
	}
	if c.Treatment.Den > 0 {
		e.Treatment = c.Treatment.Value
	}
	if err != nil {
		return e
	}
	e.Lift = c.Lift
	if c.DiffSE > 0 {
		e.P = c.P
	}
	return e
}

// Preference is the control's share of the decided interleaved lists (wins over wins and
// losses) and the p-value of the report's test: the two-sided t-test over users of each
// user's clicks credited to the control minus those credited to the treatment (stats.TTest).
func (t *Tally) Preference() (share, p float64) {
	share, p = math.NaN(), 1
	if n := t.Interleaved.Wins + t.Interleaved.Losses; n > 0 {
		share = float64(t.Interleaved.Wins) / float64(n)
	}
	diffs := make([]float64, len(t.Interleaved.PerUser))
	for i, d := range t.Interleaved.PerUser {
		diffs[i] = float64(d)
	}
	if m, err := stats.TTest(diffs, level); err == nil {
		p = m.P
	}
	return share, p
}

// ListSignP is the two-sided sign test of the interleaved lists won against those lost, the
// test over lists that counts a user's lists as independent; the simulator prints it beside
// the per-user test for comparison.
func (t *Tally) ListSignP() float64 {
	p, err := stats.SignTest(t.Interleaved.Wins, t.Interleaved.Losses)
	if err != nil {
		return math.NaN()
	}
	return p
}

// SampleRatio is the chi-square p-value of the users per variant against the weights
// (weights[i] for names[i]); a small value flags broken traffic splitting.
func (t *Tally) SampleRatio(names []string, weights []float64) float64 {
	obs := make([]int64, len(names))
	var total int64
	for i, n := range names {
		if v := t.Variants[n]; v != nil {
			obs[i] = int64(v.Users)
			total += obs[i]
		}
	}
	s, err := stats.SampleRatioMismatch(obs, weights)
	if err != nil || total == 0 {
		return math.NaN()
	}
	return s.P
}
