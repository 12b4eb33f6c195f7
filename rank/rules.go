package rank

import (
	"errors"
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
	Filters           []index.Condition // all must hold; see ParseCondition and MatchCondition
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
		if c.Field == CategoryField {
			switch c.Op {
			case "eq":
				f.Categories = append(f.Categories[:len(f.Categories):len(f.Categories)], fmt.Sprint(c.Value))
				continue
			case "ne":
				f.ExcludeCategories = append(f.ExcludeCategories[:len(f.ExcludeCategories):len(f.ExcludeCategories)], fmt.Sprint(c.Value))
				continue
			}
		}
		f.Conditions = append(f.Conditions, c)
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

func matchItem(c index.Condition, cd Candidate, info ItemInfo) bool {
	if c.Field == CategoryField {
		return MatchCondition(c, cd.Categories, true)
	}
	if info == nil {
		return false
	}
	v, ok := info.Attribute(cd.ID, c.Field)
	return MatchCondition(c, v, ok)
}

// ops maps the textual operators of ParseCondition to index.Condition ops, longest first.
var ops = []struct{ text, op string }{
	{"!=", "ne"}, {"<=", "lte"}, {">=", "gte"}, {"==", "eq"}, {"=", "eq"}, {"<", "lt"}, {">", "gt"},
}

// ParseCondition parses an attribute filter such as "year>=1990", "lang=fr",
// "title!='Up'" or "category=Comedy": a field name (letters, digits, '_', '.', '-'), an
// operator (= == != < <= > >=) and a value, a number when it parses as one and is not
// quoted, otherwise a string (single or double quotes are stripped). The order operators
// need a number.
func ParseCondition(s string) (index.Condition, error) {
	s = strings.TrimSpace(s)
	at, w, op := -1, 0, ""
	for i := 0; i < len(s) && at < 0; i++ {
		for _, o := range ops {
			if strings.HasPrefix(s[i:], o.text) {
				at, w, op = i, len(o.text), o.op
				break
			}
		}
	}
	if at < 0 {
		return index.Condition{}, fmt.Errorf("parse condition %q: no operator (= != < <= > >=): %w", s, recd.ErrInvalid)
	}
	field := strings.TrimSpace(s[:at])
	raw := strings.TrimSpace(s[at+w:])
	if !validField(field) {
		return index.Condition{}, fmt.Errorf("parse condition %q: bad field name: %w", s, recd.ErrInvalid)
	}
	if raw == "" {
		return index.Condition{}, fmt.Errorf("parse condition %q: missing value: %w", s, recd.ErrInvalid)
	}
	var value any = raw
	if n := len(raw); n >= 2 && (raw[0] == '\'' || raw[0] == '"') && raw[n-1] == raw[0] {
		value = raw[1 : n-1]
	} else if f, err := strconv.ParseFloat(raw, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		value = f
	} else if raw == "true" || raw == "false" {
		value = raw == "true" // as index.ParseCondition does, so kids=true matches a JSON true
	}
	c := index.Condition{Field: field, Op: op, Value: value}
	if err := validCondition(c); err != nil {
		return index.Condition{}, fmt.Errorf("parse condition %q: %s: %w", s, err, recd.ErrInvalid)
	}
	return c, nil
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

func validField(f string) bool {
	if f == "" || len(f) > 64 {
		return false
	}
	for i, r := range f {
		letter := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !letter && (i == 0 || !(r == '.' || r == '-' || (r >= '0' && r <= '9'))) {
			return false
		}
	}
	return true
}

func validCondition(c index.Condition) error {
	if !validField(c.Field) {
		return fmt.Errorf("bad field name %q", c.Field)
	}
	if err := index.ValidateCondition(c); err != nil {
		var fe *recd.FieldError
		if errors.As(err, &fe) {
			return errors.New(fe.Message)
		}
		return err
	}
	return nil
}
