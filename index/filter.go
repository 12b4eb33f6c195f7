package index

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

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
		if err := ValidateCondition(c); err != nil {
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
// availability, conditions). A nil p (no payload stored) is the zero Payload.
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
		if !EvalCondition(c, p.Attributes) {
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

var validOps = map[string]bool{"eq": true, "ne": true, "lt": true, "lte": true, "gt": true, "gte": true, "in": true}

// ValidateCondition checks that c has a field, a known op, a number for lt..gte and a list for in.
func ValidateCondition(c Condition) error {
	if c.Field == "" {
		return invalid("field", "condition has no field")
	}
	if !validOps[c.Op] {
		return invalid("op", fmt.Sprintf("unknown operator %q", c.Op))
	}
	switch c.Op {
	case "lt", "lte", "gt", "gte":
		if _, ok := toFloat(c.Value); !ok {
			return invalid("value", fmt.Sprintf("%s needs a number, got %v", c.Op, c.Value))
		}
	case "in":
		if _, ok := toList(c.Value); !ok {
			return invalid("value", "in needs a list")
		}
	}
	return nil
}

// EvalCondition evaluates c against attrs. A missing attribute fails every op except ne.
// When the attribute is a list, eq and in hold if any element matches and ne if none does.
// These are Qdrant's semantics for the same filter (must_not passes a point without the
// key; numbers compare only with numbers), so the embedded index, Qdrant and rank's
// post-filter agree.
func EvalCondition(c Condition, attrs map[string]any) bool {
	v, ok := attrs[c.Field]
	return MatchValue(c, v, ok)
}

// MatchValue is EvalCondition for one attribute value v; ok is false when the item lacks the
// attribute.
func MatchValue(c Condition, v any, ok bool) bool {
	if !ok || v == nil {
		return c.Op == "ne"
	}
	switch c.Op {
	case "eq":
		return anyElem(v, func(x any) bool { return equal(x, c.Value) })
	case "ne":
		return !anyElem(v, func(x any) bool { return equal(x, c.Value) })
	case "in":
		list, ok := toList(c.Value)
		if !ok {
			return false
		}
		return anyElem(v, func(x any) bool {
			for _, w := range list {
				if equal(x, w) {
					return true
				}
			}
			return false
		})
	case "lt", "lte", "gt", "gte":
		want, ok := toFloat(c.Value)
		if !ok {
			return false
		}
		return anyElem(v, func(x any) bool {
			got, ok := toFloat(x)
			if !ok {
				return false
			}
			switch c.Op {
			case "lt":
				return got < want
			case "lte":
				return got <= want
			case "gt":
				return got > want
			default:
				return got >= want
			}
		})
	}
	return false
}

// anyElem applies pred to v, or to each element when v is a list.
func anyElem(v any, pred func(any) bool) bool {
	if list, ok := toList(v); ok {
		for _, x := range list {
			if pred(x) {
				return true
			}
		}
		return false
	}
	return pred(v)
}

func equal(a, b any) bool {
	if x, ok := toFloat(a); ok {
		y, ok := toFloat(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// toFloat converts the JSON-ish numbers (Go integer and float kinds, json.Number) to float64.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case float32:
		return float64(x), !math.IsNaN(float64(x))
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), !math.IsNaN(rv.Float())
	}
	return 0, false
}

func toList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	case nil:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice || rv.Type().Elem().Kind() == reflect.Uint8 {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// ParseCondition parses a query-string condition: "year>=1990", "year<2000", "lang=en",
// "lang!=en", "year:gte:1990" or "lang:in:en|fr". Values that parse as numbers become
// float64, true/false become bools, anything else (optionally quoted) is a string.
func ParseCondition(s string) (Condition, error) {
	s = strings.TrimSpace(s)
	if parts := strings.SplitN(s, ":", 3); len(parts) == 3 && validOps[parts[1]] {
		c := Condition{Field: strings.TrimSpace(parts[0]), Op: parts[1]}
		if c.Op == "in" {
			var list []any
			for _, item := range strings.Split(parts[2], "|") {
				list = append(list, parseValue(item))
			}
			c.Value = list
		} else {
			c.Value = parseValue(parts[2])
		}
		return c, ValidateCondition(c)
	}
	for _, op := range []struct{ sym, op string }{
		{">=", "gte"}, {"<=", "lte"}, {"!=", "ne"}, {"==", "eq"}, {">", "gt"}, {"<", "lt"}, {"=", "eq"},
	} {
		if i := strings.Index(s, op.sym); i > 0 {
			c := Condition{Field: strings.TrimSpace(s[:i]), Op: op.op, Value: parseValue(s[i+len(op.sym):])}
			if strings.ContainsAny(c.Field, "<>=! ") {
				break
			}
			return c, ValidateCondition(c)
		}
	}
	return Condition{}, invalid("condition", fmt.Sprintf("cannot parse %q (want field<op>value)", s))
}

func parseValue(s string) any {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return f
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	return s
}
