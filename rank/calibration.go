package rank

import (
	"maps"
	"math"
	"slices"
	"time"

	"github.com/recd/recd"
)

// CalibrationAlpha is the share of p mixed into q before taking KL(p || q), so that a
// category missing from the list gives a large but finite divergence (Steck 2018).
const CalibrationAlpha = 0.01

// Distribution is a probability distribution over categories; it sums to 1 (or is empty).
type Distribution map[string]float64

// HistoryEntry is one item of a user's history for TargetDistribution.
type HistoryEntry struct {
	Categories []string
	// Weight is the event's weight (a purchase more than a view); entries with a weight
	// <= 0 (dislikes) are skipped.
	Weight float64
	Time   time.Time
}

// TargetDistribution returns the category distribution p of a history (Steck's p(g|u)):
// each entry contributes Weight * 0.5^(age/halfLife) with age = now - Time (0 for entries
// in the future), split evenly over its categories, and the result is normalised to sum 1.
// halfLife <= 0 disables the recency decay. Entries without categories are skipped; an
// empty result means nothing to calibrate to. Ages are measured from the newest entry (or
// now, if earlier), which gives the same normalised p but cannot underflow to nothing when
// the whole history is many half-lives old.
func TargetDistribution(history []HistoryEntry, now time.Time, halfLife time.Duration) Distribution {
	usable := func(h HistoryEntry) bool {
		return h.Weight > 0 && !math.IsInf(h.Weight, 0) && len(h.Categories) > 0
	}
	ref := time.Time{}
	for _, h := range history {
		if usable(h) && h.Time.After(ref) {
			ref = h.Time
		}
	}
	if ref.After(now) {
		ref = now
	}
	p := Distribution{}
	total := 0.0
	for _, h := range history {
		if !usable(h) {
			continue
		}
		w := h.Weight
		if halfLife > 0 {
			if age := ref.Sub(h.Time); age > 0 {
				w *= math.Exp2(-float64(age) / float64(halfLife))
			}
		}
		share := w / float64(len(h.Categories))
		for _, g := range h.Categories {
			p[g] += share
		}
		total += w
	}
	if total == 0 {
		return Distribution{}
	}
	for g := range p {
		p[g] /= total
	}
	return p
}

// ListDistribution returns the category distribution q of a list: each item's mass 1 is
// split evenly over its categories, normalised by the number of items that have any.
func ListDistribution(cands []Candidate) Distribution {
	q := Distribution{}
	n := 0
	for _, c := range cands {
		if len(c.Categories) == 0 {
			continue
		}
		n++
		for _, g := range c.Categories {
			q[g] += 1 / float64(len(c.Categories))
		}
	}
	for g := range q {
		q[g] /= float64(n)
	}
	return q
}

// Miscalibration returns KL(p || q~) with q~ = (1-alpha)*q + alpha*p and alpha =
// CalibrationAlpha: 0 when the list follows the history exactly, larger the further off.
func Miscalibration(p, q Distribution) float64 {
	kl := 0.0
	for g, pg := range p {
		if pg <= 0 {
			continue
		}
		kl += pg * math.Log(pg/((1-CalibrationAlpha)*q[g]+CalibrationAlpha*pg))
	}
	return kl
}

// Calibrate re-ranks cands in place by Steck's greedy calibration and puts its n picks
// first: it grows the list one item at a time, picking the item that maximises
//
//	(1-c)*sum(relevance of the list) - c*KL(p || q~(list))
//
// where relevance is Score min-max normalised over cands to [0, 1], q the list's category
// distribution (ListDistribution) and q~ as in Miscalibration. c in [0, 1] is the request's
// calibration: 0 keeps the relevance order, 1 follows p regardless of relevance. The
// candidates not picked follow in their previous order; scores are not changed. An empty p
// or c = 0 reduces to taking the n best by Score.
//
// Cost: O(len(p) + categories per item) logarithms per candidate and step. It runs after
// the boosts and before the long-tail share; when MMR is on too, use Rerank, which
// optimises both at once.
func Calibrate(cands []Candidate, n int, c float64, p Distribution) error {
	if !(c >= 0 && c <= 1) {
		return recd.Invalid("calibration", "must be in [0, 1]")
	}
	return Rerank(cands, n, RerankOptions{Calibration: c, Target: p})
}

// klState evaluates KL(p || q~(list + i)) incrementally for the greedy calibration: adding
// an item changes q~ only in its own categories, since the list size is the same for every
// candidate of a step.
type klState struct {
	pv    []float64 // p over its categories, sorted by name so sums do not depend on map order
	mass  []float64 // category mass of the list so far
	term  []float64 // each category's KL term for the list so far
	start []int32   // item i's (category, share) pairs are cidx/share[start[i]:start[i+1]]
	cidx  []int32
	share []float64
	inv   float64 // (1-alpha) / (list size after this step)
}

func newKLState(cands []Candidate, p Distribution) *klState {
	names := slices.Sorted(maps.Keys(p))
	cat := make(map[string]int32, len(p))
	s := &klState{pv: make([]float64, 0, len(p))}
	for _, g := range names {
		if x := p[g]; x > 0 {
			cat[g] = int32(len(s.pv))
			s.pv = append(s.pv, x)
		}
	}
	s.mass = make([]float64, len(s.pv))
	s.term = make([]float64, len(s.pv))
	m := len(cands)
	s.start = make([]int32, m+1)
	s.cidx = make([]int32, 0, 2*m)
	s.share = make([]float64, 0, 2*m)
	for i, cd := range cands {
		s.start[i] = int32(len(s.cidx))
	next:
		for _, g := range cd.Categories {
			k, ok := cat[g]
			if !ok {
				continue // p_g = 0 adds no KL term, but the share still counts in the item's mass
			}
			w := 1 / float64(len(cd.Categories))
			for j := s.start[i]; j < int32(len(s.cidx)); j++ {
				if s.cidx[j] == k { // a category listed twice counts twice, in one entry
					s.share[j] += w
					continue next
				}
			}
			s.cidx = append(s.cidx, k)
			s.share = append(s.share, w)
		}
	}
	s.start[m] = int32(len(s.cidx))
	return s
}

// beginStep prepares the terms for choosing the item at 0-based position step and returns
// the KL of the list so far measured at the new size.
func (s *klState) beginStep(step int) float64 {
	s.inv = (1 - CalibrationAlpha) / float64(step+1)
	base := 0.0
	for g, pg := range s.pv {
		s.term[g] = pg * math.Log(pg/(s.inv*s.mass[g]+CalibrationAlpha*pg))
		base += s.term[g]
	}
	return base
}

// with returns KL(p || q~(list + i)) for the current step.
func (s *klState) with(base float64, i int) float64 {
	kl := base
	for k := s.start[i]; k < s.start[i+1]; k++ {
		g := s.cidx[k]
		pg := s.pv[g]
		kl += pg*math.Log(pg/(s.inv*(s.mass[g]+s.share[k])+CalibrationAlpha*pg)) - s.term[g]
	}
	return kl
}

// add puts item i into the list.
func (s *klState) add(i int) {
	for k := s.start[i]; k < s.start[i+1]; k++ {
		s.mass[s.cidx[k]] += s.share[k]
	}
}
