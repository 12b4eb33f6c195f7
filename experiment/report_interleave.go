package experiment

import (
	"cmp"
	"math"
	"slices"

	"github.com/recd/recd/stats"
)

// Duel is one interleaved list's outcome: the unit it was served to and the clicks credited
// to each variant.
type Duel struct {
	Unit   string
	Clicks [2]int
}

// InterleavingReport is the preference test of an interleaving experiment.
//
// Per list: a list is won by the first variant when its items got more clicks, lost when the
// second's did, tied when both got as many (at least one); lists without clicks do not count.
// PreferenceShare is the first variant's share of the decided lists.
//
// The test is per unit, the unit lists are served to: each unit's clicks credited to the first
// variant minus those credited to the second, summed over its lists (Difference: the mean over
// units with its 95% interval), and PValue is the two-sided one-sample t-test of that mean
// against 0 (stats.TTest). A test over lists would treat a unit's lists as independent and
// count a list's margin of three clicks as one of one; the per-unit sum keeps the margin, and
// the units, not the lists, are independent. Users counts the units with an interleaved list,
// UserWins and UserLosses those whose difference favours the first and the second variant.
type InterleavingReport struct {
	Wins            int      `json:"wins"`
	Losses          int      `json:"losses"`
	Ties            int      `json:"ties"`
	PreferenceShare float64  `json:"preference_share"`
	Users           int      `json:"users"`
	UserWins        int      `json:"user_wins"`
	UserLosses      int      `json:"user_losses"`
	Difference      Estimate `json:"difference"`
	PValue          float64  `json:"p_value"`
}

// duel scores the interleaved lists.
func duel(ds []Duel) *InterleavingReport {
	r := &InterleavingReport{PValue: 1}
	for _, d := range ds {
		switch {
		case d.Clicks[0] > d.Clicks[1]:
			r.Wins++
		case d.Clicks[0] < d.Clicks[1]:
			r.Losses++
		case d.Clicks[0] > 0:
			r.Ties++
		}
	}
	if n := r.Wins + r.Losses; n > 0 {
		r.PreferenceShare = float64(r.Wins) / float64(n)
	}
	diffs := UnitDifferences(ds)
	r.Users = len(diffs)
	for _, x := range diffs {
		switch {
		case x > 0:
			r.UserWins++
		case x < 0:
			r.UserLosses++
		}
	}
	if m, err := stats.TTest(diffs, level); err == nil {
		r.Difference = Estimate{m.Mean, m.CI.Lo, m.CI.Hi}
		if !math.IsNaN(m.P) {
			r.PValue = m.P
		}
	}
	return r
}

// UnitDifferences sums each unit's duels into clicks credited to the first variant minus the
// second, one value per unit in unit order (so that every replica sums alike).
func UnitDifferences(ds []Duel) []float64 {
	sorted := slices.Clone(ds)
	slices.SortStableFunc(sorted, func(a, b Duel) int { return cmp.Compare(a.Unit, b.Unit) })
	var out []float64
	for i, d := range sorted {
		if i == 0 || d.Unit != sorted[i-1].Unit {
			out = append(out, 0)
		}
		out[len(out)-1] += float64(d.Clicks[0] - d.Clicks[1])
	}
	return out
}
