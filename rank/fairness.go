package rank

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/recd/recd"
)

// DefaultHeadShare is the share of items, by interaction count, that forms the head; every
// other item is long-tail (outside the 20% with the most interactions).
const DefaultHeadShare = 0.2

// TailSet tells long-tail items from head items. It is read-only after LongTailSet and
// safe for concurrent use.
type TailSet struct {
	head map[string]struct{}
}

// LongTailSet returns the tail set of a catalog given each item's interaction count: the
// head is the floor(headShare * len(counts)) items with the most interactions (ties by
// id), every other item, including items absent from counts, is long-tail.
func LongTailSet(counts map[string]int, headShare float64) (*TailSet, error) {
	if !(headShare >= 0 && headShare <= 1) {
		return nil, recd.Invalid("head_share", "must be in [0, 1]")
	}
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	k := int(math.Floor(headShare*float64(len(ids)) + 1e-9))
	head := make(map[string]struct{}, k)
	for _, id := range ids[:k] {
		head[id] = struct{}{}
	}
	return &TailSet{head: head}, nil
}

// Has reports whether id is long-tail.
func (t *TailSet) Has(id string) bool {
	_, h := t.head[id]
	return !h
}

// HeadSize returns the number of head items.
func (t *TailSet) HeadSize() int { return len(t.head) }

// LongTailShare guarantees at least ceil(share*n) long-tail candidates (Candidate.LongTail)
// among the first n, as far as cands hold that many: when too few, the lowest-ranked head
// items of the first n make way for the best-ranked tail items after n. Everything else
// keeps its relative order: the first n close ranks and the promoted tail items join at
// the end of them; the displaced head items lead the rest. Promoted items get a long_tail
// reason. share is in [0, 1]. It runs after calibration, before Explain.
func LongTailShare(cands []Candidate, n int, share float64) error {
	if !(share >= 0 && share <= 1) {
		return recd.Invalid("long_tail_share", "must be in [0, 1]")
	}
	if n < 0 {
		return recd.Invalid("n", "must be >= 0")
	}
	n = min(n, len(cands))
	need := int(math.Ceil(share*float64(n) - 1e-9))
	have := 0
	for _, c := range cands[:n] {
		if c.LongTail {
			have++
		}
	}
	if have >= need {
		return nil
	}
	var promote []int
	for i := n; i < len(cands) && len(promote) < need-have; i++ {
		if cands[i].LongTail {
			promote = append(promote, i)
		}
	}
	if len(promote) == 0 {
		return nil
	}
	// Displace the len(promote) lowest-ranked head items of the first n.
	displaced := make([]bool, n)
	for i, k := n-1, 0; i >= 0 && k < len(promote); i-- {
		if !cands[i].LongTail {
			displaced[i] = true
			k++
		}
	}
	order := make([]int, 0, len(cands))
	for i := 0; i < n; i++ {
		if !displaced[i] {
			order = append(order, i)
		}
	}
	order = append(order, promote...)
	for i := 0; i < n; i++ {
		if displaced[i] {
			order = append(order, i)
		}
	}
	for i, p := n, 0; i < len(cands); i++ {
		if p < len(promote) && promote[p] == i {
			p++
			continue
		}
		order = append(order, i)
	}
	for _, i := range promote {
		cands[i].Reasons = append(cands[i].Reasons, recd.Reason{Type: ReasonLongTail, Source: "fairness"})
	}
	permute(cands, order)
	return nil
}

// ExposureOptions configures an Exposure counter.
type ExposureOptions struct {
	// HalfLife is how fast impressions fade: an impression counts 1 now and 0.5 after one
	// half-life. Default 1 hour.
	HalfLife time.Duration
	// MaxItems bounds the items tracked; beyond it, items whose decayed count fell below
	// 0.05 are dropped. Default 1,000,000.
	MaxItems int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultExposureOptions returns a one-hour half-life over at most a million items.
func DefaultExposureOptions() ExposureOptions {
	return ExposureOptions{HalfLife: time.Hour, MaxItems: 1_000_000}
}

// Validate reports a bad option as a recd.ErrInvalid field error.
func (o ExposureOptions) Validate() error {
	if o.HalfLife <= 0 {
		return recd.Invalid("exposure.half_life", "must be > 0")
	}
	if o.MaxItems <= 0 {
		return recd.Invalid("exposure.max_items", "must be > 0")
	}
	return nil
}

type decayed struct {
	v float64
	t int64 // unix nanoseconds of the last update
}

// Exposure counts recent impressions per item with exponential decay, for the amortised
// fairness mode. It is safe for concurrent use.
type Exposure struct {
	opt       ExposureOptions
	mu        sync.RWMutex
	counts    map[string]decayed
	nextSweep int
}

// NewExposure returns an empty counter.
func NewExposure(opt ExposureOptions) (*Exposure, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Exposure{opt: opt, counts: make(map[string]decayed), nextSweep: opt.MaxItems}, nil
}

func (e *Exposure) at(d decayed, now int64) float64 {
	if now <= d.t {
		return d.v
	}
	return d.v * math.Exp2(-float64(now-d.t)/float64(e.opt.HalfLife))
}

// Record counts one impression of each id now (the items of a response sent).
func (e *Exposure) Record(ids []string) {
	now := e.opt.Now().UnixNano()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range ids {
		e.counts[id] = decayed{v: e.at(e.counts[id], now) + 1, t: now}
	}
	if len(e.counts) > e.nextSweep {
		for id, d := range e.counts {
			if e.at(d, now) < 0.05 {
				delete(e.counts, id)
			}
		}
		e.nextSweep = max(e.opt.MaxItems, 2*len(e.counts))
	}
}

// Remove takes n decayed impressions (as counted now) off id, for impressions that must no
// longer count (a deleted user's). A count left below a thousandth of n is dropped: it is the
// decay between when two replicas counted the same impressions, not impressions of its own.
func (e *Exposure) Remove(id string, n float64) {
	now := e.opt.Now().UnixNano()
	e.mu.Lock()
	defer e.mu.Unlock()
	d, ok := e.counts[id]
	if !ok {
		return
	}
	if v := e.at(d, now) - n; v > 1e-3*n+1e-9 {
		e.counts[id] = decayed{v: v, t: now}
	} else {
		delete(e.counts, id)
	}
}

// HalfLife returns the counter's half-life.
func (e *Exposure) HalfLife() time.Duration { return e.opt.HalfLife }

// Count returns the decayed impression count of id now.
func (e *Exposure) Count(id string) float64 {
	now := e.opt.Now().UnixNano()
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.at(e.counts[id], now)
}

// ExposureBoost raises the score of candidates shown less than the average candidate in
// recent responses: with e_i the decayed impressions of item i and mean their mean over
// cands, score += strength * max(0, 1 - e_i/mean), then re-sorts. An item never shown gains
// strength, one shown at least as often as the mean nothing. No impressions recorded, a nil
// exp or strength 0 leave cands unchanged. strength >= 0 is on the scale of Score (blended
// scores are in [0, 1]; 0.1 is a gentle push). It runs after the session boost, before MMR.
func ExposureBoost(cands []Candidate, exp *Exposure, strength float64) error {
	if !(strength >= 0) || math.IsInf(strength, 0) {
		return recd.Invalid("exposure_strength", "must be a finite number >= 0")
	}
	if exp == nil || strength == 0 || len(cands) == 0 {
		return nil
	}
	now := exp.opt.Now().UnixNano()
	counts := make([]float64, len(cands))
	sum := 0.0
	exp.mu.RLock()
	for i, c := range cands {
		counts[i] = exp.at(exp.counts[c.ID], now)
		sum += counts[i]
	}
	exp.mu.RUnlock()
	if sum == 0 {
		return nil
	}
	mean := sum / float64(len(cands))
	for i := range cands {
		if u := 1 - counts[i]/mean; u > 0 {
			cands[i].Score += strength * u
		}
	}
	SortByScore(cands)
	return nil
}
