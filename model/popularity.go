package model

import (
	"context"
	"math"
	"sort"
	"time"
)

// Popularity ranks items by the Bayesian average of their interaction weights,
// score = (count*mean + C*m) / (count + C), with C the mean count per item and m the global
// mean weight, so an item with few interactions is pulled towards the global mean.
// After Fit it is read-only and safe for concurrent use.
type Popularity struct {
	Scores []float32 // by item index
	Order  []int32   // item indexes with at least one interaction, best first
	C, M   float64
}

// NewPopularity returns an untrained popularity model.
func NewPopularity() *Popularity { return &Popularity{} }

// Name implements Recommender.
func (p *Popularity) Name() string { return "popularity" }

// Fit implements Recommender.
func (p *Popularity) Fit(_ context.Context, d *Dataset) error {
	ni := d.NumItems()
	var total float64
	rated := 0
	for i := 0; i < ni; i++ {
		if d.ItemCount[i] > 0 {
			rated++
		}
	}
	for _, w := range d.ItemWeights {
		total += float64(w)
	}
	nnz := d.NNZ()
	p.Scores = make([]float32, ni)
	p.Order = p.Order[:0]
	if nnz == 0 {
		return nil
	}
	p.M = total / float64(nnz)
	p.C = float64(nnz) / float64(rated)
	for i := 0; i < ni; i++ {
		_, ws := d.ItemCol(i)
		if len(ws) == 0 {
			continue
		}
		var sum float64
		for _, w := range ws {
			sum += float64(w)
		}
		n := float64(len(ws))
		p.Scores[i] = float32((sum + p.C*p.M) / (n + p.C))
		p.Order = append(p.Order, int32(i))
	}
	// Scores equal up to rounding (all of them, when every weight is the same, as in binary
	// implicit data) fall back to the number of interactions.
	sort.SliceStable(p.Order, func(a, b int) bool {
		ia, ib := p.Order[a], p.Order[b]
		sa, sb := float64(p.Scores[ia]), float64(p.Scores[ib])
		if math.Abs(sa-sb) > 1e-6*math.Max(math.Abs(sa), math.Abs(sb)) {
			return sa > sb
		}
		if ca, cb := d.ItemCount[ia], d.ItemCount[ib]; ca != cb {
			return ca > cb
		}
		return ia < ib
	})
	return nil
}

// Score implements Recommender: the same scores for every user, in the order of Order.
func (p *Popularity) Score(_ int, _ []int32, _ []float32, dst []float32) {
	for i := range dst {
		dst[i] = 0
	}
	for r, i := range p.Order {
		dst[i] = float32(len(p.Order) - r)
	}
}

// Trending keeps a time-decayed interaction score per item: every event adds its weight times
// exp((t - t0) / tau), kept in log space so that no clock or decay sweep is needed and old
// data sets rank the same way as live ones. Safe for concurrent use when guarded by its owner;
// the zero value is not usable, use NewTrending.
type Trending struct {
	Tau  time.Duration
	logS map[string]float64
	t0   time.Time
}

// NewTrending returns an empty trending counter with the given half-life.
func NewTrending(halfLife time.Duration) *Trending {
	if halfLife <= 0 {
		halfLife = 7 * 24 * time.Hour
	}
	return &Trending{Tau: time.Duration(float64(halfLife) / math.Ln2), logS: map[string]float64{},
		t0: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Add records an event of weight w (ignored unless positive) on item at time t.
func (tr *Trending) Add(item string, w float64, t time.Time) {
	if w <= 0 {
		return
	}
	x := math.Log(w) + t.Sub(tr.t0).Seconds()/tr.Tau.Seconds()
	if old, ok := tr.logS[item]; ok {
		hi, lo := math.Max(old, x), math.Min(old, x)
		x = hi + math.Log1p(math.Exp(lo-hi))
	}
	tr.logS[item] = x
}

// Contribution is what an event of weight w at time t adds to an item's score, in the log
// space the counter keeps (-Inf for w <= 0, which Add ignores). Summed with LogAddExp, the
// contributions of a set of events are what Remove takes away again.
func (tr *Trending) Contribution(w float64, t time.Time) float64 {
	if w <= 0 {
		return math.Inf(-1)
	}
	return math.Log(w) + t.Sub(tr.t0).Seconds()/tr.Tau.Seconds()
}

// LogAddExp returns log(exp(a) + exp(b)) without overflow.
func LogAddExp(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	hi, lo := math.Max(a, b), math.Min(a, b)
	return hi + math.Log1p(math.Exp(lo-hi))
}

// Remove takes contributions summed in log space (see Contribution) off an item's score, for
// events that must no longer count (a deleted user's). An item left with less than a
// billionth of its score (rounding of a score that was all removed) is dropped.
func (tr *Trending) Remove(item string, c float64) {
	old, ok := tr.logS[item]
	if !ok || math.IsInf(c, -1) {
		return
	}
	if c-old > -1e-9 {
		delete(tr.logS, item)
		return
	}
	tr.logS[item] = old + math.Log1p(-math.Exp(c-old))
}

// Clone returns an independent copy.
func (tr *Trending) Clone() *Trending {
	c := &Trending{Tau: tr.Tau, t0: tr.t0, logS: make(map[string]float64, len(tr.logS))}
	for k, v := range tr.logS {
		c.logS[k] = v
	}
	return c
}

// Top returns up to n items with the highest trending score, best first, with scores
// normalised so the best is 1, skipping items for which keep returns false.
func (tr *Trending) Top(n int, keep func(string) bool) ([]string, []float64) {
	type kv struct {
		id string
		v  float64
	}
	all := make([]kv, 0, len(tr.logS))
	for k, v := range tr.logS {
		if keep == nil || keep(k) {
			all = append(all, kv{k, v})
		}
	}
	sort.Slice(all, func(a, b int) bool {
		if all[a].v != all[b].v {
			return all[a].v > all[b].v
		}
		return all[a].id < all[b].id
	})
	if len(all) > n {
		all = all[:n]
	}
	ids := make([]string, len(all))
	sc := make([]float64, len(all))
	for i, x := range all {
		ids[i] = x.id
		sc[i] = math.Exp(x.v - all[0].v)
	}
	return ids, sc
}

// Len returns the number of items with a trending score.
func (tr *Trending) Len() int { return len(tr.logS) }
