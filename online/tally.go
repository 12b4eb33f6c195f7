package online

import (
	"math"
	"slices"
	"strings"

	"github.com/recd/recd/stats"
)

// UnitTally is one unit's share of a group: a user, or for a list served to no user its
// session (or the list itself without one). Experiment reports compare groups over these
// (per-user CTR is ClicksAtK/ItemsAtK by the delta method: CTRPairs).
type UnitTally struct {
	Unit string
	// Lists and Items are the lists served to the unit and the items they showed; ItemsAtK
	// those at positions below K.
	Lists, Items, ItemsAtK int64
	// Clicks are distinct clicked (list, position) pairs; ClicksAtK those below K.
	Clicks, ClicksAtK int64
	// Conversions are distinct converted (list, position) pairs.
	Conversions int64
	// ClickedLists and ConvertedLists count the lists with a click, with a conversion.
	ClickedLists, ConvertedLists int64
	// RR is the sum over the unit's lists of 1/(1+position of the first click), 0 for none.
	RR float64
}

func (u *UnitTally) add(o *UnitTally) {
	u.Lists += o.Lists
	u.Items += o.Items
	u.ItemsAtK += o.ItemsAtK
	u.Clicks += o.Clicks
	u.ClicksAtK += o.ClicksAtK
	u.Conversions += o.Conversions
	u.ClickedLists += o.ClickedLists
	u.ConvertedLists += o.ConvertedLists
	u.RR += o.RR
}

// CTRPairs are the units' (clicks, items) below K: per-user CTR@k as a ratio metric.
func CTRPairs(units []UnitTally) []stats.Pair {
	return pairs(units, func(u *UnitTally) stats.Pair { return stats.Pair{Num: float64(u.ClicksAtK), Den: float64(u.ItemsAtK)} })
}

// ConversionPairs are the units' (lists with a conversion, lists).
func ConversionPairs(units []UnitTally) []stats.Pair {
	return pairs(units, func(u *UnitTally) stats.Pair {
		return stats.Pair{Num: float64(u.ConvertedLists), Den: float64(u.Lists)}
	})
}

// MRRPairs are the units' (sum of reciprocal ranks of first clicks, lists).
func MRRPairs(units []UnitTally) []stats.Pair {
	return pairs(units, func(u *UnitTally) stats.Pair { return stats.Pair{Num: u.RR, Den: float64(u.Lists)} })
}

func pairs(units []UnitTally, f func(*UnitTally) stats.Pair) []stats.Pair {
	out := make([]stats.Pair, len(units))
	for i := range units {
		out[i] = f(&units[i])
	}
	return out
}

// acc accumulates one group during a fold. It is one goroutine's.
type acc struct {
	key   string
	total UnitTally // the group's sums over its units (Unit unused)
	// posShown and posClicked count, per position below K, the lists that showed one and
	// the clicks on it.
	posShown, posClicked []int64
	distinct             map[int32]struct{} // interned item ids recommended
	noveltySum           float64
	noveltyN             int64
	ageSum               float64 // seconds between a list's model's training and its serving
	ageN                 int64
	newDay, newWeek      int64 // item slots whose item was added within a day, a week of serving
	addedKnown           int64 // item slots whose item's added time is known
	units                map[string]*UnitTally
}

func newAcc(key string, k int) *acc {
	return &acc{key: key, posShown: make([]int64, k), posClicked: make([]int64, k),
		distinct: map[int32]struct{}{}, units: map[string]*UnitTally{}}
}

// merge adds o into a (the fold into "other").
func (a *acc) merge(o *acc) {
	a.total.add(&o.total)
	for i := range a.posShown {
		a.posShown[i] += o.posShown[i]
		a.posClicked[i] += o.posClicked[i]
	}
	for it := range o.distinct {
		a.distinct[it] = struct{}{}
	}
	a.noveltySum += o.noveltySum
	a.noveltyN += o.noveltyN
	a.ageSum += o.ageSum
	a.ageN += o.ageN
	a.newDay += o.newDay
	a.newWeek += o.newWeek
	a.addedKnown += o.addedKnown
	for k, u := range o.units {
		if mine, ok := a.units[k]; ok {
			mine.add(u)
		} else {
			a.units[k] = u
		}
	}
}

// Metrics are one group's online metrics. Rates are NaN-free: a rate over nothing is 0, and
// a metric whose input the fold lacks is absent (nil).
type Metrics struct {
	// Lists are the served lists (impressions), Items the items they showed, Users the
	// distinct units (users; sessions for anonymous lists).
	Lists int64 `json:"impressions"`
	Items int64 `json:"impressed_items"`
	Users int64 `json:"users"`
	// Clicks and Conversions are distinct clicked or converted (list, position) pairs.
	Clicks      int64 `json:"clicks"`
	Conversions int64 `json:"conversions"`
	// CTRAtK is clicks on positions below K over items shown there; CTR over all positions.
	CTRAtK float64 `json:"ctr_at_k"`
	CTR    float64 `json:"ctr"`
	// ClickRate and ConversionRate are the shares of lists with a click, with a conversion.
	ClickRate      float64 `json:"click_rate"`
	ConversionRate float64 `json:"conversion_rate"`
	// MRR is the mean over lists of 1/(1+position of the first click), 0 for a list without.
	MRR float64 `json:"mrr"`
	// PositionCTR[p] is the clicks on position p over the lists that showed a position p,
	// for p below K: the position-bias curve.
	PositionCTR []float64 `json:"position_ctr"`
	// DistinctItems are the items recommended; Coverage their share of the catalog.
	DistinctItems int64    `json:"distinct_items"`
	Coverage      *float64 `json:"coverage,omitempty"`
	// Novelty is the mean over item slots of −log2 of the item's share of users (floored at
	// one user's share).
	Novelty *float64 `json:"novelty,omitempty"`
	// ModelAgeSeconds is the mean age of the serving model when a list was served.
	ModelAgeSeconds *float64 `json:"model_age_seconds,omitempty"`
	// NewItemsDay and NewItemsWeek are the shares of item slots whose item had been in the
	// catalog for less than a day, a week, when the list was served.
	NewItemsDay  *float64 `json:"new_items_day,omitempty"`
	NewItemsWeek *float64 `json:"new_items_week,omitempty"`
}

func rate(num, den int64) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

func ptr(v float64) *float64 { return &v }

// metrics computes the group's metrics; catalogSize ≤ 0 leaves coverage out.
func (a *acc) metrics(catalogSize int, novelty, ages, added bool) Metrics {
	t := &a.total
	m := Metrics{Lists: t.Lists, Items: t.Items, Users: int64(len(a.units)), Clicks: t.Clicks, Conversions: t.Conversions,
		CTRAtK: rate(t.ClicksAtK, t.ItemsAtK), CTR: rate(t.Clicks, t.Items),
		ClickRate: rate(t.ClickedLists, t.Lists), ConversionRate: rate(t.ConvertedLists, t.Lists),
		DistinctItems: int64(len(a.distinct)), PositionCTR: make([]float64, len(a.posShown))}
	if t.Lists > 0 {
		m.MRR = t.RR / float64(t.Lists)
	}
	for p := range a.posShown {
		m.PositionCTR[p] = rate(a.posClicked[p], a.posShown[p])
	}
	if catalogSize > 0 {
		m.Coverage = ptr(math.Min(1, float64(len(a.distinct))/float64(catalogSize)))
	}
	if novelty && a.noveltyN > 0 {
		m.Novelty = ptr(a.noveltySum / float64(a.noveltyN))
	}
	if ages && a.ageN > 0 {
		m.ModelAgeSeconds = ptr(a.ageSum / float64(a.ageN))
	}
	if added && a.addedKnown > 0 {
		m.NewItemsDay = ptr(rate(a.newDay, a.addedKnown))
		m.NewItemsWeek = ptr(rate(a.newWeek, a.addedKnown))
	}
	return m
}

// unitList returns the group's unit tallies in unit order.
func (a *acc) unitList() []UnitTally {
	out := make([]UnitTally, 0, len(a.units))
	for _, u := range a.units {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(x, y UnitTally) int { return strings.Compare(x.Unit, y.Unit) })
	return out
}

// ClickPairs are the units' (lists with a click, lists).
func ClickPairs(units []UnitTally) []stats.Pair {
	return pairs(units, func(u *UnitTally) stats.Pair { return stats.Pair{Num: float64(u.ClickedLists), Den: float64(u.Lists)} })
}
