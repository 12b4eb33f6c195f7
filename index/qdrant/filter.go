package qdrant

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/qdrant/go-client/qdrant"

	"github.com/recd/recd/cond"
	"github.com/recd/recd/index"
)

// translateFilter turns an index.Filter into Qdrant filter conditions with the embedded
// index's semantics (index.Matcher, and package cond for conditions):
//
//   - Categories: must, match any of the keywords; ExcludeCategories: must_not, match any.
//     (Not match except: on a list field Qdrant's except holds when some element is outside
//     the list, while "exclude" means no element is in it.)
//   - AvailableOnly: must, available == true.
//   - Allow: must, has_id; Deny: must_not, has_id (ids mapped by PointID).
//   - Conditions: see translateCondition.
//
// none reports a filter that nothing passes (an empty allow list, an in with no comparable
// value, eq with a value no attribute can equal), so the caller can answer without a request.
// A nil or empty filter returns a nil *qdrant.Filter. Malformed conditions are errors.
func translateFilter(f *index.Filter) (qf *qdrant.Filter, none bool, err error) {
	if f == nil {
		return nil, false, nil
	}
	qf = &qdrant.Filter{}
	if f.Allow != nil {
		if len(f.Allow) == 0 {
			return nil, true, nil
		}
		qf.Must = append(qf.Must, qdrant.NewHasID(pointIDs(f.Allow)...))
	}
	if len(f.Deny) > 0 {
		qf.MustNot = append(qf.MustNot, qdrant.NewHasID(pointIDs(f.Deny)...))
	}
	if len(f.Categories) > 0 {
		qf.Must = append(qf.Must, qdrant.NewMatchKeywords(keyCategories, f.Categories...))
	}
	if len(f.ExcludeCategories) > 0 {
		qf.MustNot = append(qf.MustNot, qdrant.NewMatchKeywords(keyCategories, f.ExcludeCategories...))
	}
	if f.AvailableOnly {
		qf.Must = append(qf.Must, qdrant.NewMatchBool(keyAvailable, true))
	}
	for i, c := range f.Conditions {
		if err := c.Validate(); err != nil {
			return nil, false, fmt.Errorf("condition %d: %w", i, err)
		}
		if translateCondition(qf, c) {
			return nil, true, nil
		}
	}
	if len(qf.Must) == 0 && len(qf.MustNot) == 0 {
		return nil, false, nil
	}
	return qf, false, nil
}

// translateCondition adds a valid condition to qf and reports whether nothing can pass it.
// The rules keep cond's semantics on Qdrant's, which flattens list attributes and matches
// when some element does:
//
//   - eq: must, "equals" (see equals); ne: must_not, the same. A point without the
//     attribute fails the must and passes the must_not, as cond's missing attributes do.
//   - in: must, one condition holding when the attribute equals some listed value (see
//     oneOf); nin: must_not, the same.
//   - lt/lte/gt/gte: must, a range (Qdrant ranges look at numbers only, as cond's do).
//
// A value nothing can equal makes eq and in match nothing and ne and nin match everything.
func translateCondition(qf *qdrant.Filter, c index.Condition) (none bool) {
	key := attrKey(c.Field)
	var match *qdrant.Condition
	switch c.Op {
	case cond.Eq, cond.Ne:
		match = equals(key, c.Value)
	case cond.In, cond.NotIn:
		list, _ := cond.List(c.Value)
		match = oneOf(key, list)
	default:
		qf.Must = append(qf.Must, qdrant.NewRange(key, numberRange(c)))
		return false
	}
	positive := c.Op == cond.Eq || c.Op == cond.In
	switch {
	case match == nil:
		return positive
	case positive:
		qf.Must = append(qf.Must, match)
	default:
		qf.MustNot = append(qf.MustNot, match)
	}
	return false
}

// numberRange is the range of a valid lt, lte, gt or gte condition.
func numberRange(c index.Condition) *qdrant.Range {
	x, _ := cond.Number(c.Value)
	r := &qdrant.Range{}
	switch c.Op {
	case cond.Lt:
		r.Lt = &x
	case cond.Lte:
		r.Lte = &x
	case cond.Gt:
		r.Gt = &x
	default:
		r.Gte = &x
	}
	return r
}

// equals returns the condition "attribute equals v" under cond's equality, or nil when no
// attribute can equal v: a string is an exact keyword match, a bool a bool match, a number
// the closed range [v, v] (attributes are stored as doubles, and Qdrant's integer match
// does not match doubles).
func equals(key string, v any) *qdrant.Condition {
	s := cond.ScalarOf(v)
	switch s.Kind {
	case cond.KindString:
		return qdrant.NewMatchKeyword(key, s.Str)
	case cond.KindBool:
		return qdrant.NewMatchBool(key, s.Bool)
	case cond.KindNumber:
		return qdrant.NewRange(key, &qdrant.Range{Gte: &s.Num, Lte: &s.Num})
	}
	return nil
}

// oneOf returns the condition "attribute equals one of list", or nil when no attribute can
// equal any of it: the strings as one keywords match, the other values as equals, joined by
// a should when there is more than one.
func oneOf(key string, list []any) *qdrant.Condition {
	var should []*qdrant.Condition
	var keywords []string
	for _, v := range list {
		if s := cond.ScalarOf(v); s.Kind == cond.KindString {
			keywords = append(keywords, s.Str)
		} else if c := equals(key, v); c != nil {
			should = append(should, c)
		}
	}
	if len(keywords) > 0 {
		should = append(should, qdrant.NewMatchKeywords(key, keywords...))
	}
	switch len(should) {
	case 0:
		return nil
	case 1:
		return should[0]
	}
	return qdrant.NewFilterAsCondition(&qdrant.Filter{Should: should})
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// attrKey is the payload path of an attribute. Names that are not plain identifiers are
// quoted, so a name with a dot addresses that attribute, not a nested one.
func attrKey(field string) string {
	if plainKey.MatchString(field) {
		return keyAttributes + "." + field
	}
	return keyAttributes + `."` + strings.ReplaceAll(field, `"`, `\"`) + `"`
}
