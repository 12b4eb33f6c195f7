package query

import (
	"strings"

	"github.com/recd/recd"
)

// Matches reports whether it satisfies the query's hard constraints: at least one of
// Categories (when any), none of ExcludeCategories or ExcludeTags, the year range (items
// without a year fail a bounded range), every condition, and not being one of the liked
// items. Tags, Keywords and FreeText are preferences and do not filter. Comparisons of
// categories and tags ignore case; conditions are evaluated by package cond (a list
// attribute matches eq when any element does; strings compare exactly), as the rank rules
// and the index evaluate them. Rank stages can use it as the query filter.
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
		if !c.Eval(it.Attributes) {
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

// ExplainItemFrom builds the explanation input of a recommendation; it supplies the
// categories and year when not nil, and title (when not nil) names the items its reasons
// cite.
func ExplainItemFrom(rec recd.Recommendation, it *recd.Item, title func(id string) string) ExplainItem {
	e := ExplainItem{ID: rec.ID, Title: rec.Title, Reasons: rec.Reasons}
	if title != nil {
		for _, r := range rec.Reasons {
			for _, id := range r.Items {
				if t := title(id); t != "" {
					if e.Named == nil {
						e.Named = map[string]string{}
					}
					e.Named[id] = t
				}
			}
		}
	}
	if it != nil {
		if e.Title == "" {
			e.Title = it.Title
		}
		e.Categories = it.Categories
		e.Year = itemYear(*it)
	}
	return e
}
