package service

import (
	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/query"
	"github.com/recd/recd/rank"
)

// queryRules turns a query's hard constraints into rank rules the index can take pushed
// down: categories, the year range and the query's conditions. Conditions are
// cond.Conditions, so the rules, the index and queryKeep's q.Matches evaluate them with the
// one evaluator and agree.
func queryRules(q query.Query) rank.Rules {
	rules := rank.Rules{Categories: q.Categories, ExcludeCategories: q.ExcludeCategories}
	if q.YearMin > 0 {
		rules.Filters = append(rules.Filters, index.Condition{Field: "year", Op: "gte", Value: q.YearMin})
	}
	if q.YearMax > 0 {
		rules.Filters = append(rules.Filters, index.Condition{Field: "year", Op: "lte", Value: q.YearMax})
	}
	rules.Filters = append(rules.Filters, q.Conditions...)
	return rules
}

// queryKeep is the final say on a candidate: the whole query (case-insensitive categories,
// excluded tags, liked items, conditions) must match the catalog's item as item returns it.
func queryKeep(q query.Query, item func(id string) (rank.ItemMeta, bool)) func(id string) bool {
	return func(id string) bool {
		m, ok := item(id)
		if !ok {
			return false
		}
		it := recd.Item{ID: id, Title: m.Title, Categories: m.Categories, Tags: m.Tags, Attributes: m.Attributes}
		return q.Matches(&it)
	}
}
