package rank

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

// ItemInfo gives the stages the item metadata they need; the server implements it over its
// catalog snapshot. Implementations must be safe for concurrent use.
type ItemInfo interface {
	// Categories returns the item's categories (nil when unknown).
	Categories(id string) []string
	// Attribute returns one attribute of the item and whether it is set.
	Attribute(id, name string) (any, bool)
}

// Availability is implemented by an ItemInfo that knows which items may be recommended;
// Rules.AvailableOnly uses it when present.
type Availability interface {
	Available(id string) bool
}

// CategoryField is the pseudo-attribute a condition uses to test an item's categories:
// "category=Comedy" holds when Comedy is one of them, "category!=Comedy" when it is not.
const CategoryField = "category"

// Boost multiplies the score of the candidates matching Condition by Factor.
type Boost struct {
	Condition index.Condition `json:"condition"`
	Factor    float64         `json:"factor"`
}

// Rules are a request's business rules. The zero value allows everything.
type Rules struct {
	Exclude           []string          // never these ids
	Categories        []string          // at least one of these categories (empty: any)
	ExcludeCategories []string          // none of these categories
	Filters           []index.Condition // all must hold; see ParseCondition and package cond
	Boosts            []Boost           // multiplicative, applied in order
	AvailableOnly     bool              // drop items the ItemInfo's Availability rejects
}

// Validate reports a bad rule as a recd.ErrInvalid field error.
func (r Rules) Validate() error {
	for i, c := range r.Filters {
		if err := validCondition(c); err != nil {
			return recd.Invalid(fmt.Sprintf("filters[%d]", i), err.Error())
		}
	}
	for i, b := range r.Boosts {
		if err := validCondition(b.Condition); err != nil {
			return recd.Invalid(fmt.Sprintf("boosts[%d]", i), err.Error())
		}
		if !(b.Factor > 0) || math.IsInf(b.Factor, 0) {
			return recd.Invalid(fmt.Sprintf("boosts[%d].factor", i), "must be a finite number > 0")
		}
	}
	return nil
}

// IndexFilter returns the part of the rules an index search can apply itself, so the
// pipeline can push it down into candidate retrieval. It may be looser than the rules
// (category=X conditions join the any-of Categories) but never stricter, and Apply remains
// the final word. Boosts are not pushed down.
func (r Rules) IndexFilter() index.Filter {
	f := index.Filter{
		Categories:        r.Categories,
		ExcludeCategories: r.ExcludeCategories,
		AvailableOnly:     r.AvailableOnly,
		Deny:              r.Exclude,
	}
	for _, c := range r.Filters {
		if c.Field != CategoryField || !pushCategory(&f, c) {
			f.Conditions = append(f.Conditions, c)
		}
	}
	return f
}

// Apply filters cands in place by the rules and multiplies the scores of boosted
// candidates, re-sorting when a boost applied; it returns the kept prefix. Candidates
// without Categories get them from info. A candidate's categories come from info only
// when it has none, attributes always from info; info may be nil when no rule needs it.
// It runs right after Blend (and Annotate).
func (r Rules) Apply(cands []Candidate, info ItemInfo) ([]Candidate, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var exclude map[string]struct{}
	if len(r.Exclude) > 0 {
		exclude = make(map[string]struct{}, len(r.Exclude))
		for _, id := range r.Exclude {
			exclude[id] = struct{}{}
		}
	}
	avail, _ := info.(Availability)
	out := cands[:0]
	boosted := false
	for _, c := range cands {
		if _, ok := exclude[c.ID]; ok {
			continue
		}
		if c.Categories == nil && info != nil {
			c.Categories = info.Categories(c.ID)
		}
		if len(r.Categories) > 0 && !anyOf(c.Categories, r.Categories) {
			continue
		}
		if anyOf(c.Categories, r.ExcludeCategories) {
			continue
		}
		if r.AvailableOnly && avail != nil && !avail.Available(c.ID) {
			continue
		}
		ok := true
		for _, f := range r.Filters {
			if !matchItem(f, c, info) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		for _, b := range r.Boosts {
			if matchItem(b.Condition, c, info) {
				c.Score *= b.Factor
				boosted = true
			}
		}
		out = append(out, c)
	}
	if boosted {
		SortByScore(out)
	}
	return out, nil
}

func anyOf(have, want []string) bool {
	for _, w := range want {
		if contains(have, w) {
			return true
		}
	}
	return false
}

// ParseBoost parses a boost "condition^factor" such as "category=Comedy^1.5" or
// "year>=2000^1.2" (the factor follows the last '^').
func ParseBoost(s string) (Boost, error) {
	i := strings.LastIndexByte(s, '^')
	if i < 0 {
		return Boost{}, fmt.Errorf("parse boost %q: want condition^factor: %w", s, recd.ErrInvalid)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s[i+1:]), 64)
	if err != nil || !(f > 0) || math.IsInf(f, 0) {
		return Boost{}, fmt.Errorf("parse boost %q: factor must be a number > 0: %w", s, recd.ErrInvalid)
	}
	c, err := ParseCondition(s[:i])
	if err != nil {
		return Boost{}, fmt.Errorf("parse boost: %w", err)
	}
	return Boost{Condition: c, Factor: f}, nil
}
