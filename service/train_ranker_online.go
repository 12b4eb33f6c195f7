package service

import (
	"github.com/recd/recd/gbdt"
)

// This file turns logged lists (feature rows served with their impressions, see
// ranker.log_features) and the feedback attributed to them into a learned ranker's training
// set, with position bias corrected by inverse propensity weighting: a click at a position
// users examine less often counts for more, so the ranker does not learn to keep what was
// already on top.

// loggedList is one served list whose feature rows were logged: X holds one row per
// position (row-major), Grades the feedback on each position (0 none, 1 click, 2 conversion).
// Swap is the position the ranked list's top item was served at (store.FeatureLog.Swap), 0
// for a list served as ranked.
type loggedList struct {
	X      []float32
	Grades []float32
	Swap   int
}

// maxIPW bounds an inverse propensity weight: a click far down a list, where the position
// curve is estimated from few clicks, would otherwise dominate the loss.
const maxIPW = 20

// propensities turns a position-CTR curve (online.Metrics.PositionCTR) into examination
// propensities relative to the first position: prop[p] = ctr[p]/ctr[0], floored at
// 1/maxIPW and made non-increasing. A curve without clicks on the first position gives
// nil (no correction).
func propensities(curve []float64) []float64 {
	if len(curve) == 0 || curve[0] <= 0 {
		return nil
	}
	prop := make([]float64, len(curve))
	for p, c := range curve {
		prop[p] = max(c/curve[0], 1.0/maxIPW)
		if p > 0 {
			prop[p] = min(prop[p], prop[p-1])
		}
	}
	prop[0] = 1
	return prop
}

// onlineDataset makes one query group per logged list with any feedback (a list without
// carries no pairwise gradient), its grades as labels. With prop, each clicked row weighs
// 1/prop of its position (positions past the curve take its last value); nil prop weighs
// every row 1 (no debiasing).
func onlineDataset(lists []loggedList, names []string, prop []float64) *gbdt.Dataset {
	nf := len(names)
	d := &gbdt.Dataset{NumFeatures: nf, Names: names}
	for _, l := range lists {
		n := len(l.Grades)
		if n == 0 || len(l.X) != n*nf || !hasFeedback(l.Grades) {
			continue
		}
		d.X = append(d.X, l.X...)
		d.Label = append(d.Label, l.Grades...)
		d.Group = append(d.Group, n)
		if prop == nil {
			continue
		}
		for p, g := range l.Grades {
			w := 1.0
			if g > 0 {
				w = 1 / prop[min(p, len(prop)-1)]
			}
			d.Weight = append(d.Weight, float32(w))
		}
	}
	return d
}

func hasFeedback(grades []float32) bool {
	for _, g := range grades {
		if g > 0 {
			return true
		}
	}
	return false
}

// PropensityInfo says which examination propensities weighted a ranker's online labels:
// Source is swaps, logged or none; Propensities the weights' denominators by position
// (relative to the top); SwappedLists how many logged lists of the window were swapped.
type PropensityInfo struct {
	Source       string    `json:"source"`
	Propensities []float64 `json:"propensities,omitempty"`
	SwappedLists int       `json:"swapped_lists"`
}

// choosePropensities picks the propensities of the logged lists: none when debias is off,
// the randomised-swap estimate when enough lists were swapped, else the logged position-CTR
// curve's (none when it has no clicks at the top).
func choosePropensities(lists []loggedList, curve []float64, debias bool) PropensityInfo {
	prop, swapped := swapPropensities(lists)
	info := PropensityInfo{Source: PropensitySwaps, Propensities: prop, SwappedLists: swapped}
	switch {
	case !debias:
		info.Source, info.Propensities = PropensityNone, nil
	case prop == nil:
		info.Source, info.Propensities = PropensityLogged, propensities(curve)
		if info.Propensities == nil {
			info.Source = PropensityNone
		}
	}
	return info
}
