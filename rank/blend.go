package rank

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/recd/recd"
)

// Normalisation is how Blend maps one source's raw scores onto [0, 1].
type Normalisation string

const (
	// MinMax maps a source's scores linearly so that its best item gets 1 and its worst 0
	// ((x - min) / (max - min)); when every score is equal they all get 1. It keeps the
	// gaps between scores, so a source that is very sure of its top item says so.
	MinMax Normalisation = "minmax"
	// Rank ignores the raw values and uses positions: the i-th best of m items (0-based,
	// tied items share the better position) gets 1 - i/m, so the best gets 1 and the
	// worst 1/m. It is robust to outliers and to sources whose scales drift.
	Rank Normalisation = "rank"
	// Max divides by the source's best score (negative scores count as 0), so a score keeps
	// its meaning however deep the source was cut.
	Max Normalisation = "max"
)

// SourceScore is one item proposed by a candidate source with the source's raw score
// (any scale, higher is better).
type SourceScore struct {
	ID    string
	Score float64
	// Because optionally names the items that led the source to propose this one (the
	// liked items of an item-kNN neighbour lookup); it goes into the source's reason.
	Because []string
	// Category optionally names the category the item was proposed for (popular in a
	// category); it goes into the source's reason.
	Category string
}

// SourceList is the output of one candidate source.
type SourceList struct {
	// Name is the source's name (itemknn, cf, content, popular, trending, session, ...),
	// the key of Candidate.Sources and of BlendOptions.Weights.
	Name  string
	Items []SourceScore
}

// BlendOptions configures Blend.
type BlendOptions struct {
	// Weights is the weight of each source by name; a source not named gets DefaultWeight.
	// Weights must not be negative. The cold-start policy sets them per request.
	Weights map[string]float64
	// DefaultWeight is the weight of sources absent from Weights. Default 1.
	DefaultWeight float64
	// Normalisation is MinMax (default) or Rank.
	Normalisation Normalisation
}

// DefaultBlendOptions returns min-max normalisation with every source weighted 1.
func DefaultBlendOptions() BlendOptions {
	return BlendOptions{DefaultWeight: 1, Normalisation: MinMax}
}

// Validate reports a bad option as a recd.ErrInvalid field error.
func (o BlendOptions) Validate() error {
	if o.DefaultWeight < 0 || math.IsNaN(o.DefaultWeight) {
		return recd.Invalid("blend.default_weight", "must be >= 0")
	}
	for name, w := range o.Weights {
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return recd.Invalid("blend.weights."+name, "must be a finite number >= 0")
		}
	}
	switch o.Normalisation {
	case MinMax, Rank, Max, "":
	default:
		return recd.Invalid("blend.normalisation", fmt.Sprintf("unknown normalisation %q", o.Normalisation))
	}
	return nil
}

func (o BlendOptions) weight(source string) float64 {
	if w, ok := o.Weights[source]; ok {
		return w
	}
	return o.DefaultWeight
}

// Blend merges the lists of several candidate sources into one candidate per item, best
// first. Each source's raw scores are normalised to [0, 1] (see Normalisation) and stored in
// Candidate.Sources; Score is the weighted mean sum(w_s * norm_s) / sum(w_s) over every
// source in lists, so it is in [0, 1] and an item proposed by several sources outranks one
// proposed by a single source with the same normalised score. Each proposing source
// appends one reason (see ReasonForSource). A source listing an item twice keeps its best
// score; lists sharing a Name count as one source, each normalised on its own (give each
// source one list). Categories and LongTail are left empty: see Annotate. Ties are broken
// by id.
// Blend is the first stage of the pipeline.
func Blend(lists []SourceList, opt BlendOptions) ([]Candidate, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	total := 0.0
	size := 0
	for k, l := range lists {
		if l.Name == "" {
			return nil, recd.Invalid("blend.sources", "source without a name")
		}
		if !slices.ContainsFunc(lists[:k], func(o SourceList) bool { return o.Name == l.Name }) {
			total += opt.weight(l.Name)
		}
		size += len(l.Items)
	}
	// Pass 1: one candidate per item, and how many entries name it, so that pass 2 can
	// carve every candidate's Reasons out of one allocation.
	pos := make(map[string]int32, size)
	cands := make([]Candidate, 0, size)
	entries := make([]int32, 0, size)
	at := make([]int32, 0, size) // the candidate of each list entry, in list order
	for _, l := range lists {
		for _, it := range l.Items {
			if math.IsNaN(it.Score) || math.IsInf(it.Score, 0) {
				return nil, recd.Invalid("blend.sources."+l.Name, "score of "+it.ID+" is not finite")
			}
			j, ok := pos[it.ID]
			if !ok {
				j = int32(len(cands))
				pos[it.ID] = j
				cands = append(cands, Candidate{ID: it.ID})
				entries = append(entries, 0)
			}
			entries[j]++
			at = append(at, j)
		}
	}
	reasons := make([]recd.Reason, size)
	off := 0
	for j := range cands {
		e := int(entries[j])
		cands[j].Reasons = reasons[off : off : off+e]
		cands[j].Sources = make(map[string]float64, e)
		off += e
	}
	norm := make([]float64, 0, 64)
	e := 0
	for _, l := range lists {
		w := opt.weight(l.Name)
		norm = normalise(l.Items, opt.Normalisation, norm[:0])
		for i, it := range l.Items {
			c := &cands[at[e]]
			e++
			old, dup := c.Sources[l.Name]
			if dup && old >= norm[i] {
				continue
			}
			c.Sources[l.Name] = norm[i]
			if total > 0 {
				c.Score += w * (norm[i] - old) / total
			}
			if !dup {
				c.Reasons = append(c.Reasons, ReasonForSource(l.Name, it.Because, it.Category))
			}
		}
	}
	SortByScore(cands)
	return cands, nil
}

// normalise writes the normalised scores of items into dst (reusing its storage).
func normalise(items []SourceScore, how Normalisation, dst []float64) []float64 {
	dst = slices.Grow(dst, len(items))[:len(items)]
	if len(items) == 0 {
		return dst
	}
	if how == Rank {
		order := make([]int, len(items))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(items[b].Score, items[a].Score) })
		m := float64(len(items))
		for r, i := range order {
			if r > 0 && items[i].Score == items[order[r-1]].Score {
				dst[i] = dst[order[r-1]]
				continue
			}
			dst[i] = 1 - float64(r)/m
		}
		return dst
	}
	lo, hi := items[0].Score, items[0].Score
	for _, it := range items {
		lo, hi = min(lo, it.Score), max(hi, it.Score)
	}
	if how == Max {
		for i, it := range items {
			if hi > 0 && it.Score > 0 {
				dst[i] = it.Score / hi
			} else {
				dst[i] = 0
			}
		}
		return dst
	}
	for i, it := range items {
		if hi == lo {
			dst[i] = 1
		} else {
			dst[i] = (it.Score - lo) / (hi - lo)
		}
	}
	return dst
}

// SortByScore sorts candidates by Score, best first, ties by id. It sorts small keys and
// then moves each candidate once, so it costs one allocation of 16 bytes per candidate.
func SortByScore(cands []Candidate) {
	if len(cands) < 2 {
		return
	}
	type key struct {
		score float64
		i     int
	}
	keys := make([]key, len(cands))
	sorted := true
	for i := range cands {
		keys[i] = key{cands[i].Score, i}
		if i > 0 && (cands[i].Score > cands[i-1].Score ||
			cands[i].Score == cands[i-1].Score && cands[i].ID < cands[i-1].ID) {
			sorted = false
		}
	}
	if sorted {
		return
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(cands[a.i].ID, cands[b.i].ID)
	})
	order := make([]int, len(keys))
	for k, x := range keys {
		order[k] = x.i
	}
	permute(cands, order)
}

// Annotate fills Categories from info (when nil) and LongTail from tail for each candidate.
// Either argument may be nil to skip it. Call it after Blend.
func Annotate(cands []Candidate, info ItemInfo, tail *TailSet) {
	for i := range cands {
		c := &cands[i]
		if info != nil && c.Categories == nil {
			c.Categories = info.Categories(c.ID)
		}
		if tail != nil {
			c.LongTail = tail.Has(c.ID)
		}
	}
}
