package query

import (
	"encoding/json"
	"strings"

	"github.com/recd/recd"
)

// Matches reports whether it satisfies the query's hard constraints: at least one of
// Categories (when any), none of ExcludeCategories or ExcludeTags, the year range (items
// without a year fail a bounded range), every condition, and not being one of the liked
// items. Tags, Keywords and FreeText are preferences and do not filter. Comparisons of
// categories and tags ignore case. Rank stages can use it as the query filter.
func (q *Query) Matches(it *recd.Item) bool {
	for _, l := range q.Liked {
		if l.ID == it.ID {
			return false
		}
	}
	if len(q.Categories) > 0 && !anyFold(it.Categories, q.Categories) {
		return false
	}
	if anyFold(it.Categories, q.ExcludeCategories) || anyFold(it.Tags, q.ExcludeTags) {
		return false
	}
	if q.YearMin != 0 || q.YearMax != 0 {
		y := itemYear(*it)
		if y == 0 || (q.YearMin != 0 && y < q.YearMin) || (q.YearMax != 0 && y > q.YearMax) {
			return false
		}
	}
	for _, c := range q.Conditions {
		if !c.Matches(it.Attributes[c.Field]) {
			return false
		}
	}
	return true
}

func anyFold(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if strings.EqualFold(h, w) {
				return true
			}
		}
	}
	return false
}

// Matches reports whether an attribute value satisfies the condition. Numbers compare as
// numbers, strings and bools only with eq and ne; a missing value matches only ne.
func (c Condition) Matches(v any) bool {
	if v == nil {
		return c.Op == "ne"
	}
	if a, ok := toFloat(v); ok {
		b, ok := toFloat(c.Value)
		if !ok {
			return c.Op == "ne"
		}
		switch c.Op {
		case "eq":
			return a == b
		case "ne":
			return a != b
		case "lt":
			return a < b
		case "lte":
			return a <= b
		case "gt":
			return a > b
		case "gte":
			return a >= b
		}
		return false
	}
	eq := false
	switch x := v.(type) {
	case string:
		s, ok := c.Value.(string)
		eq = ok && strings.EqualFold(x, s)
	case bool:
		b, ok := c.Value.(bool)
		eq = ok && x == b
	}
	switch c.Op {
	case "eq":
		return eq
	case "ne":
		return !eq
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// ExplainItemFrom builds the explanation input of a recommendation; it supplies the
// categories and year when not nil.
func ExplainItemFrom(rec recd.Recommendation, it *recd.Item) ExplainItem {
	e := ExplainItem{ID: rec.ID, Title: rec.Title, Reasons: rec.Reasons}
	if it != nil {
		if e.Title == "" {
			e.Title = it.Title
		}
		e.Categories = it.Categories
		e.Year = itemYear(*it)
	}
	return e
}
