// Package condtest is the conformance table of attribute conditions: items with attributes,
// conditions, and which items each condition matches under the semantics documented in
// package cond. Every implementation (the in-memory evaluator, every index backend through
// index/indextest, Qdrant's filter translation) must reproduce it.
package condtest

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/recd/recd/cond"
)

// Item is one row of the table: an item id and its attributes.
type Item struct {
	ID         string
	Attributes map[string]any
}

// Case is one condition and the ids of the items it matches, in Items order.
type Case struct {
	Name string
	Cond cond.Condition
	Want []string
}

// Items returns the table's items, freshly built on each call. They mix the value shapes a
// catalog holds: list attributes of several Go types, numbers of several Go types, numeric
// strings, bools, null, an empty list, and an item with no attributes at all.
func Items() []Item {
	return []Item{
		{"a", map[string]any{"country": []any{"Japan", "France"}, "year": 1995, "rating": 4.5, "lang": "fr",
			"kids": true, "tags": []string{"indie", "cult"}, "scores": []any{3, 9.5}, "code": "42"}},
		{"b", map[string]any{"country": "Japan", "year": 2003, "rating": float32(3), "lang": "FR",
			"kids": false, "tags": []string{}, "scores": []any{1}, "code": 42}},
		{"c", map[string]any{"country": []string{"France"}, "year": 1980.0, "rating": json.Number("2.5"),
			"lang": "en", "tags": []any{"Indie"}, "scores": []any{"9"}, "code": "forty-two"}},
		{"d", nil},
		{"e", map[string]any{"country": nil, "year": json.Number("1995"), "rating": uint8(5), "lang": "de",
			"mixed": []any{"x", 2, true}}},
	}
}

func c(field, op string, v any) cond.Condition { return cond.Condition{Field: field, Op: op, Value: v} }

// Cases returns the table's conditions with the items each matches.
func Cases() []Case {
	all := []string{"a", "b", "c", "d", "e"}
	return []Case{
		{"list attribute eq holds when some element equals", c("country", "eq", "Japan"), []string{"a", "b"}},
		{"list attribute eq with no equal element", c("country", "eq", "Germany"), nil},
		{"list attribute ne holds when no element equals", c("country", "ne", "Japan"), []string{"c", "d", "e"}},
		{"list attribute ne of another element", c("country", "ne", "France"), []string{"b", "d", "e"}},
		{"list attribute in", c("country", "in", []any{"Germany", "France"}), []string{"a", "c"}},
		{"list attribute nin", c("country", "nin", []any{"Japan", "Germany"}), []string{"c", "d", "e"}},
		{"in with a []string value", c("tags", "in", []string{"cult", "Indie"}), []string{"a", "c"}},
		{"string equality is case-sensitive", c("lang", "eq", "fr"), []string{"a"}},
		{"ne is case-sensitive", c("lang", "ne", "fr"), []string{"b", "c", "d", "e"}},
		{"list elements compare case-sensitively", c("tags", "eq", "indie"), []string{"a"}},
		{"an empty list attribute has no element", c("tags", "ne", "indie"), []string{"b", "c", "d", "e"}},
		{"a number does not equal a numeric string", c("code", "eq", 42), []string{"b"}},
		{"a numeric string does not equal a number", c("code", "eq", "42"), []string{"a"}},
		{"a numeric string is in no range", c("code", "gte", 0), []string{"b"}},
		{"numbers equal across Go types", c("year", "eq", 1995), []string{"a", "e"}},
		{"json.Number condition value", c("year", "eq", json.Number("1995")), []string{"a", "e"}},
		{"gte", c("year", "gte", 1995), []string{"a", "b", "e"}},
		{"lt", c("year", "lt", 1995), []string{"c"}},
		{"lte with a float value", c("year", "lte", 1995.0), []string{"a", "c", "e"}},
		{"gt across attribute types", c("rating", "gt", 2.9), []string{"a", "b", "e"}},
		{"lte on a json.Number attribute", c("rating", "lte", json.Number("2.5")), []string{"c"}},
		{"float32 attribute equality", c("rating", "eq", 3), []string{"b"}},
		{"range holds when some list element is in range", c("scores", "gt", 8), []string{"a"}},
		{"range below on a list", c("scores", "lt", 2), []string{"b"}},
		{"bool eq", c("kids", "eq", true), []string{"a"}},
		{"bool eq false", c("kids", "eq", false), []string{"b"}},
		{"bool ne passes missing", c("kids", "ne", false), []string{"a", "c", "d", "e"}},
		{"a bool does not equal a string", c("kids", "eq", "true"), nil},
		{"a bool is in no range", c("kids", "gt", 0), nil},
		{"null attribute is missing for eq", c("country", "in", []any{"Japan"}), []string{"a", "b"}},
		{"missing attribute fails eq", c("nope", "eq", 1), nil},
		{"missing attribute fails ranges", c("nope", "gt", 0), nil},
		{"missing attribute fails in", c("nope", "in", []any{1}), nil},
		{"missing attribute passes ne", c("nope", "ne", 1), all},
		{"missing attribute passes nin", c("nope", "nin", []any{1}), all},
		{"mixed list number", c("mixed", "eq", 2), []string{"e"}},
		{"mixed list bool", c("mixed", "eq", true), []string{"e"}},
		{"mixed list in", c("mixed", "in", []any{false, 2.0}), []string{"e"}},
		{"mixed list range skips strings and bools", c("mixed", "gt", 1), []string{"e"}},
		{"in an empty list matches nothing", c("lang", "in", []any{}), nil},
		{"nin an empty list matches everything", c("lang", "nin", []any{}), all},
	}
}

// Run checks match against every case and item of the table: match must report whether the
// item passes the condition.
func Run(t *testing.T, match func(c cond.Condition, it Item) bool) {
	t.Helper()
	items := Items()
	for _, tc := range Cases() {
		t.Run(tc.Name, func(t *testing.T) {
			var got []string
			for _, it := range items {
				if match(tc.Cond, it) {
					got = append(got, it.ID)
				}
			}
			if !slices.Equal(got, tc.Want) {
				t.Errorf("%+v matches %v, want %v", tc.Cond, got, tc.Want)
			}
		})
	}
}
