package qdrant

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/qdrant/go-client/qdrant"

	"github.com/recd/recd/index"
)

// translateFilter turns an index.Filter into Qdrant filter conditions with the embedded
// index's semantics (index.Matcher):
//
//   - Categories: must, match any of the keywords; ExcludeCategories: must_not, match any.
//     (Not match except: on a list field Qdrant's except holds when some element is outside
//     the list, while "exclude" means no element is in it.)
//   - AvailableOnly: must, available == true.
//   - Allow: must, has_id; Deny: must_not, has_id (ids mapped by PointID).
//   - eq/ne on a string or bool: match keyword/bool in must/must_not; on a number: a range
//     gte=lte=value (attributes are stored as doubles, and Qdrant's integer match does not
//     match doubles). Both hold element-wise on list attributes, like the embedded index.
//   - lt/lte/gt/gte: range. in: a nested filter whose should lists one match per value.
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
		if err := index.ValidateCondition(c); err != nil {
			return nil, false, fmt.Errorf("condition %d: %w", i, err)
		}
		key := attrKey(c.Field)
		switch c.Op {
		case "eq", "ne":
			cond := equals(key, c.Value)
			if cond == nil { // nothing equals the value: eq never holds, ne always does
				if c.Op == "eq" {
					return nil, true, nil
				}
				continue
			}
			if c.Op == "eq" {
				qf.Must = append(qf.Must, cond)
			} else {
				qf.MustNot = append(qf.MustNot, cond)
			}
		case "in":
			list, _ := toList(c.Value)
			var should []*qdrant.Condition
			var keywords []string
			for _, v := range list {
				if s, ok := v.(string); ok {
					keywords = append(keywords, s)
				} else if cond := equals(key, v); cond != nil {
					should = append(should, cond)
				}
			}
			if len(keywords) > 0 {
				should = append(should, qdrant.NewMatchKeywords(key, keywords...))
			}
			switch len(should) {
			case 0:
				return nil, true, nil
			case 1:
				qf.Must = append(qf.Must, should[0])
			default:
				qf.Must = append(qf.Must, qdrant.NewFilterAsCondition(&qdrant.Filter{Should: should}))
			}
		default:
			x, _ := toFloat(c.Value)
			r := &qdrant.Range{}
			switch c.Op {
			case "lt":
				r.Lt = &x
			case "lte":
				r.Lte = &x
			case "gt":
				r.Gt = &x
			case "gte":
				r.Gte = &x
			}
			qf.Must = append(qf.Must, qdrant.NewRange(key, r))
		}
	}
	if len(qf.Must) == 0 && len(qf.MustNot) == 0 {
		return nil, false, nil
	}
	return qf, false, nil
}

// equals returns the condition "attribute equals v", or nil when no stored attribute can
// equal v (v is not a string, bool or number).
func equals(key string, v any) *qdrant.Condition {
	switch x := v.(type) {
	case string:
		return qdrant.NewMatchKeyword(key, x)
	case bool:
		return qdrant.NewMatchBool(key, x)
	}
	if f, ok := toFloat(v); ok {
		return qdrant.NewRange(key, &qdrant.Range{Gte: &f, Lte: &f})
	}
	return nil
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
	return reflectList(v)
}
