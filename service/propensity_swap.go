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
// towards the (smoothed) rate of the position above by this many pseudo-lists, so that a
// position shown in a few dozen swapped lists without a click (a likely draw when the top
// items' click rate is a few percent) does not drop to the floor and weigh its few clicks
// elsewhere 20 times. Its bias is towards too little correction down the list.
const swapPrior = 20

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
// to k) / CTR of the top-ranked item shown at the top (unswapped lists of two items or more),
// each position's rate shrunk towards the one above's (swapPrior), made non-increasing by
// pooling adjacent positions that violate it, weighted by how many lists showed them
// (isotonic regression: a running minimum would lock in every low draw), capped at 1 and
// floored at 1/maxIPW. It returns nil, and how many lists were swapped, when
// fewer than minSwapLists were or the unswapped tops were never clicked.
func swapPropensities(lists []loggedList) (prop []float64, swapped int) {
	var top, topClicks float64
	shown, clicks := []float64{0}, []float64{0}
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
	shown[0], clicks[0] = top, topClicks
	for k := 1; k < len(shown); k++ { // shrink each position's rate towards the one above's
		above := clicks[k-1] / shown[k-1]
		clicks[k], shown[k] = clicks[k]+swapPrior*above, shown[k]+swapPrior
	}
	rate := nonIncreasing(clicks, shown)
	prop = make([]float64, max(len(rate), 2))
	prop[0] = 1
	for k := 1; k < len(prop); k++ {
		prop[k] = prop[k-1] // a position no swapped list showed takes the one above's
		if k < len(rate) && shown[k] > 0 {
			prop[k] = min(max(rate[k]/rate[0], 1.0/maxIPW), 1)
		}
	}
	return prop, swapped
}

// nonIncreasing is the weighted isotonic (non-increasing) regression of the rates
// clicks[i]/shown[i], by pooling adjacent violators; positions with nothing shown are
// skipped (their rate is 0 and carries no weight).
func nonIncreasing(clicks, shown []float64) []float64 {
	type block struct {
		c, n     float64
		from, to int
	}
	var bs []block
	for i := range shown {
		if shown[i] == 0 {
			continue
		}
		bs = append(bs, block{clicks[i], shown[i], i, i})
		for len(bs) > 1 {
			a, b := bs[len(bs)-2], bs[len(bs)-1]
			if a.c/a.n >= b.c/b.n {
				break
			}
			bs = append(bs[:len(bs)-2], block{a.c + b.c, a.n + b.n, a.from, b.to})
		}
	}
	out := make([]float64, len(shown))
	for _, b := range bs {
		for i := b.from; i <= b.to; i++ {
			out[i] = b.c / b.n
		}
	}
	return out
}
