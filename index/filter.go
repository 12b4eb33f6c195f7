package index

import (
	"fmt"

	"github.com/recd/recd"
)

func invalid(field, msg string) error { return recd.Invalid(field, msg) }

// Matcher is a Filter prepared for evaluation: its id and category lists are turned into
// sets. A Matcher is immutable and safe for concurrent use.
type Matcher struct {
	f       Filter
	cats    map[string]struct{}
	exclude map[string]struct{}
	allow   map[string]struct{}
	deny    map[string]struct{}
}

// NewMatcher prepares f; a nil f allows everything. It fails on a malformed condition.
func NewMatcher(f *Filter) (*Matcher, error) {
	m := &Matcher{}
	if f == nil {
		return m, nil
	}
	m.f = *f
	for i, c := range f.Conditions {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("condition %d: %w", i, err)
		}
	}
	m.cats = set(f.Categories)
	m.exclude = set(f.ExcludeCategories)
	m.deny = set(f.Deny)
	if f.Allow != nil {
		m.allow = set(f.Allow)
		if m.allow == nil {
			m.allow = map[string]struct{}{}
		}
	}
	return m, nil
}

func set(xs []string) map[string]struct{} {
	if len(xs) == 0 {
		return nil
	}
	s := make(map[string]struct{}, len(xs))
	for _, x := range xs {
		s[x] = struct{}{}
	}
	return s
}

// All reports whether the matcher allows everything.
func (m *Matcher) All() bool {
	return m.cats == nil && m.exclude == nil && m.allow == nil && m.deny == nil &&
		!m.f.AvailableOnly && len(m.f.Conditions) == 0
}

// AvailableOnly reports whether availability is the matcher's only condition.
func (m *Matcher) AvailableOnly() bool {
	return m.f.AvailableOnly && m.cats == nil && m.exclude == nil && m.allow == nil && m.deny == nil &&
		len(m.f.Conditions) == 0
}

// AllowList returns the filter's allow list and whether it has one.
func (m *Matcher) AllowList() ([]string, bool) { return m.f.Allow, m.allow != nil }

// Categories returns the filter's any-of categories (nil: no restriction).
func (m *Matcher) Categories() []string { return m.f.Categories }

// MatchID reports whether the id lists alone allow id.
func (m *Matcher) MatchID(id string) bool {
	if m.allow != nil {
		if _, ok := m.allow[id]; !ok {
			return false
		}
	}
	if m.deny != nil {
		if _, ok := m.deny[id]; ok {
			return false
		}
	}
	return true
}

// MatchPayload reports whether p passes the payload part of the filter (categories,
// availability, conditions). A nil p (no payload stored) is the zero Payload. Conditions are
// evaluated by package cond, the one evaluator the rank post-filter and the Qdrant
// translation share.
func (m *Matcher) MatchPayload(p *Payload) bool {
	if p == nil {
		p = &Payload{}
	}
	if m.f.AvailableOnly && !p.Available {
		return false
	}
	if m.cats != nil {
		ok := false
		for _, c := range p.Categories {
			if _, hit := m.cats[c]; hit {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if m.exclude != nil {
		for _, c := range p.Categories {
			if _, hit := m.exclude[c]; hit {
				return false
			}
		}
	}
	for _, c := range m.f.Conditions {
		if !c.Eval(p.Attributes) {
			return false
		}
	}
	return true
}

// Match reports whether the item id with payload p passes the whole filter.
func (m *Matcher) Match(id string, p *Payload) bool { return m.MatchID(id) && m.MatchPayload(p) }

// Matches evaluates f against one item; a nil f allows everything and a malformed
// condition matches nothing.
func Matches(f *Filter, id string, p Payload) bool {
	m, err := NewMatcher(f)
	if err != nil {
		return false
	}
	return m.Match(id, &p)
}
