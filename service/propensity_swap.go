package service

import (
	"hash/fnv"

	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// This file is the randomised-swap propensity estimate (the swap intervention of Joachims,
// Swaminathan and Schnabel, 2017): a drawn share of the lists logged with feature rows
// (ranker.propensity_swaps) serve their top-ranked item at a uniformly drawn position k,
// swapping places with the item ranked there. The same kind of item (what the ranker put
// first) is then shown at every position, so the ratio of its click rate at k to its click
// rate at the top of the unswapped lists estimates the examination propensity p_k/p_0 without
// the confounding of the logged position-CTR curve, where the items on top are also the
// relevant ones and the curve falls faster than examination does.

// minSwapLists is how many swapped lists the swap estimate needs; with fewer, training
// falls back to the logged position-CTR curve (and says so).
const minSwapLists = 200

// swapPrior is the smoothing of the swap estimate: each position's click rate is shrunk
// towards the position above's by this many pseudo-lists, so a position shown in few
// swapped lists does not swing the weights.
const swapPrior = 10

// Propensity sources a ranker's online labels were weighted by (RankerInfo.Propensity).
const (
	PropensitySwaps  = "swaps"  // the randomised-swap estimate
	PropensityLogged = "logged" // the logs' own position-CTR curve
	PropensityNone   = "none"   // no weighting (ranker.debias off, or no curve)
)

// swapDraw is the position a list of n items swaps its top item to, or 0 for none: a share
// of the lists by the hash of their recommendation id and the seed, so a list's draw is
// deterministic for its id.
func swapDraw(id string, share float64, n int, seed uint64) int {
	if share <= 0 || n < 2 {
		return 0
	}
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(seed >> (8 * i))
	}
	_, _ = h.Write(b[:])
	_, _ = h.Write([]byte(id))
	x := mix64(h.Sum64())
	if float64(x>>11)/(1<<53) >= share {
		return 0
	}
	return 1 + int(mix64(x)%uint64(n-1)) // a second draw from the same hash
}

// mix64 is splitmix64's finaliser: FNV's bits of ids that differ in a few characters are
// far from uniform until mixed.
func mix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

// swapForPropensity swaps a logged list's top item with the one at its drawn position, in
// the response and its feature rows alike, and records the position in f.Swap.
func (s *reader) swapForPropensity(id string, resp *rank.Response, f *store.FeatureLog) {
	n := len(resp.Items)
	if len(f.Rows) != n {
		return
	}
	k := swapDraw(id, s.opts.Ranker.PropensitySwaps, n, s.opts.Ranker.Seed)
	if k == 0 {
		return
	}
	resp.Items[0], resp.Items[k] = resp.Items[k], resp.Items[0]
	f.Rows[0], f.Rows[k] = f.Rows[k], f.Rows[0]
	f.Swap = k
}

// swapPropensities estimates the examination propensity of each position relative to the
// top from the swapped lists: prop[k] = CTR of the top-ranked item shown at k (lists swapped
// to k) / CTR of the top-ranked item shown at the top (unswapped lists of two items or
// more), each position's rate smoothed towards the one above (swapPrior), made
// non-increasing and floored at 1/maxIPW. It returns nil, and how many lists were swapped,
// when fewer than minSwapLists were or the unswapped tops were never clicked.
func swapPropensities(lists []loggedList) (prop []float64, swapped int) {
	var top, topClicks float64
	var shown, clicks []float64
	for _, l := range lists {
		n, k := len(l.Grades), l.Swap
		switch {
		case n < 2:
		case k == 0:
			top++
			if l.Grades[0] > 0 {
				topClicks++
			}
		case k < n:
			for len(shown) <= k {
				shown, clicks = append(shown, 0), append(clicks, 0)
			}
			swapped++
			shown[k]++
			if l.Grades[k] > 0 {
				clicks[k]++
			}
		}
	}
	if swapped < minSwapLists || topClicks == 0 {
		return nil, swapped
	}
	ctr0 := topClicks / top
	prop = make([]float64, max(len(shown), 2))
	prop[0] = 1
	for k := 1; k < len(prop); k++ {
		var c, n float64
		if k < len(shown) {
			c, n = clicks[k], shown[k]
		}
		r := (c + swapPrior*ctr0*prop[k-1]) / ((n + swapPrior) * ctr0)
		prop[k] = max(min(r, prop[k-1]), 1.0/maxIPW)
	}
	return prop, swapped
}
