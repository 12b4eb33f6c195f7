package rank

import (
	"reflect"
	"testing"

	"github.com/recd/recd/index"
)

// TestRules_IndexFilter_Categories checks the push-down of conditions on the category
// pseudo-attribute for every op: the index filter may allow more than the rules, never less.
func TestRules_IndexFilter_Categories(t *testing.T) {
	for _, tc := range []struct {
		filter string
		want   index.Filter
	}{
		{"category:in:Comedy|Drama", index.Filter{Categories: []string{"Comedy", "Drama"}}},
		{"category:nin:Horror|War", index.Filter{ExcludeCategories: []string{"Horror", "War"}}},
		// No category equals a number, so ne 1 excludes nothing: pushing "1" would be stricter.
		{"category!=1", index.Filter{}},
		{"category>1", index.Filter{Conditions: []index.Condition{{Field: "category", Op: "gt", Value: 1.0}}}},
	} {
		c, err := ParseCondition(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		got := Rules{Filters: []index.Condition{c}}.IndexFilter()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: IndexFilter = %+v, want %+v", tc.filter, got, tc.want)
		}
	}
}

// TestRules_Apply_CategoryConditions checks the post-filter agrees with the push-down above on
// a candidate's category list.
func TestRules_Apply_CategoryConditions(t *testing.T) {
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{"category:in:Comedy|War", []string{"a", "c"}},
		{"category:nin:Comedy|War", []string{"b"}},
		{"category=comedy", nil}, // case-sensitive, as everywhere
		{"category!=1", []string{"a", "b", "c"}},
	} {
		c, err := ParseCondition(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		cands := []Candidate{{ID: "a", Score: 3, Categories: []string{"Comedy", "Drama"}},
			{ID: "b", Score: 2, Categories: []string{"Drama"}}, {ID: "c", Score: 1, Categories: []string{"War"}}}
		kept, err := Rules{Filters: []index.Condition{c}}.Apply(cands, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, k := range kept {
			got = append(got, k.ID)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: kept %v, want %v", tc.filter, got, tc.want)
		}
	}
}
