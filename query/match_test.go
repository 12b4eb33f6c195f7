package query

import (
	"fmt"
	"strings"
	"testing"

	"github.com/recd/recd"
)

// prop is a property of an item, stated independently of the parser.
type prop struct {
	name string
	ok   func(it *recd.Item) bool
}

func inCats(cats ...string) prop {
	return prop{"in " + strings.Join(cats, "/"), func(it *recd.Item) bool { return anyFold(it.Categories, cats) }}
}

func notCats(cats ...string) prop {
	return prop{"not " + strings.Join(cats, "/"), func(it *recd.Item) bool { return !anyFold(it.Categories, cats) }}
}

func notTag(tag string) prop {
	return prop{"not tagged " + tag, func(it *recd.Item) bool { return !anyFold(it.Tags, []string{tag}) }}
}

func years(lo, hi int) prop {
	return prop{fmt.Sprintf("year %d..%d", lo, hi), func(it *recd.Item) bool {
		y := itemYear(*it)
		return y >= lo && y <= hi
	}}
}

func notID(id string) prop {
	return prop{"not item " + id, func(it *recd.Item) bool { return it.ID != id }}
}

// mentions holds when the title or a tag contains the word.
func mentions(word string) prop {
	return prop{"mentions " + word, func(it *recd.Item) bool {
		if strings.Contains(strings.ToLower(it.Title), word) {
			return true
		}
		for _, t := range it.Tags {
			if strings.Contains(t, word) {
				return true
			}
		}
		return false
	}}
}

// TestQuery_Matches parses requests and filters the bundled catalog with the query: every
// match must have the request's hard properties, and for topical requests some match must
// carry the topic, so ranking has something to put first.
func TestQuery_Matches(t *testing.T) {
	v := movieLens(t)
	items := mlItems(t)
	tests := []struct {
		text  string
		all   []prop // every matching item
		some  []prop // at least one matching item
		atMin int    // at least this many matches
	}{
		{"lighthearted movie like Amelie but set in Tokyo", []prop{inCats("Comedy", "Romance"), notID("4973")}, []prop{mentions("tokyo")}, 100},
		{"90s horror but not slasher", []prop{inCats("Horror"), years(1990, 1999), notTag("slasher")}, nil, 50},
		{"something for kids about dinosaurs", []prop{inCats("Children")}, []prop{mentions("dinosaur")}, 50},
		{"comedies before 1980", []prop{inCats("Comedy"), years(1000, 1979)}, nil, 50},
		{"romantic movies after 2000", []prop{inCats("Romance"), years(2001, 3000)}, nil, 50},
		{"early 90s action, no gore", []prop{inCats("Action"), years(1990, 1994), notTag("gore")}, nil, 20},
		{"funny but not romantic", []prop{inCats("Comedy"), notCats("Romance")}, nil, 100},
		{"westerns from the sixties or seventies", []prop{inCats("Western"), years(1960, 1979)}, nil, 10},
		{"animated, no zombies", []prop{inCats("Animation"), notTag("zombies")}, nil, 50},
		{"a cartoon for the whole family", []prop{inCats("Animation", "Children")}, nil, 50},
		{"thrillers since 2010", []prop{inCats("Thriller"), years(2010, 3000)}, nil, 50},
		{"documentaries about music from the 2000s", []prop{inCats("Documentary"), years(2000, 2009)}, []prop{mentions("music")}, 5},
		{"pre-1970 film noir", []prop{inCats("Film-Noir"), years(1000, 1969)}, nil, 10},
		{"dark comedy between 1995 and 2005", []prop{inCats("Comedy"), years(1995, 2005)}, []prop{mentions("dark comedy")}, 50},
		{"sci-fi movies like star wars", []prop{inCats("Sci-Fi"), notID("260")}, nil, 50},
		{"without horror or thriller", []prop{notCats("Horror", "Thriller")}, nil, 1000},
		{"three war films set in vietnam", []prop{inCats("War")}, []prop{mentions("vietnam")}, 20},
		{"a drama from 1995", []prop{inCats("Drama"), years(1995, 1995)}, nil, 50},
		{"mystery with time travel", []prop{inCats("Mystery")}, []prop{mentions("time travel")}, 20},
		{"scary movies from the 80s but not comedy", []prop{inCats("Horror"), years(1980, 1989), notCats("Comedy")}, nil, 20},
		{"kids movies like toy story", []prop{inCats("Children"), notID("1")}, []prop{mentions("pixar")}, 50},
		{"crime films after 1990 without drama", []prop{inCats("Crime"), years(1991, 3000), notCats("Drama")}, nil, 20},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			q := Parse(tt.text, v)
			var matched []*recd.Item
			for i := range items {
				if q.Matches(&items[i]) {
					matched = append(matched, &items[i])
				}
			}
			if len(matched) < tt.atMin {
				t.Fatalf("%d matches for %+v, want at least %d", len(matched), q, tt.atMin)
			}
			for _, it := range matched {
				for _, p := range tt.all {
					if !p.ok(it) {
						t.Fatalf("match %s %q is not %s (query %+v)", it.ID, it.Title, p.name, q)
					}
				}
			}
			for _, p := range tt.some {
				found := false
				for _, it := range matched {
					found = found || p.ok(it)
				}
				if !found {
					t.Errorf("no match %s (query %+v)", p.name, q)
				}
			}
		})
	}
}

func TestCondition_Match(t *testing.T) {
	tests := []struct {
		c    Condition
		v    any
		want bool
	}{
		{Condition{Field: "price", Op: "lt", Value: 20.0}, 9.5, true},
		{Condition{Field: "price", Op: "lt", Value: 20.0}, 20, false},
		{Condition{Field: "price", Op: "lte", Value: 20.0}, 20, true},
		{Condition{Field: "price", Op: "gte", Value: 20.0}, int64(21), true},
		{Condition{Field: "price", Op: "gt", Value: 20.0}, nil, false},
		{Condition{Field: "price", Op: "ne", Value: 20.0}, nil, true},
		{Condition{Field: "lang", Op: "eq", Value: "FR"}, "fr", false}, // strings compare exactly, as in every filter
		{Condition{Field: "country", Op: "eq", Value: "Japan"}, []any{"Japan", "France"}, true},
		{Condition{Field: "country", Op: "ne", Value: "Japan"}, []string{"Japan", "France"}, false},
		{Condition{Field: "year", Op: "eq", Value: 1995.0}, "1995", false},
		{Condition{Field: "lang", Op: "ne", Value: "fr"}, "en", true},
		{Condition{Field: "lang", Op: "lt", Value: "fr"}, "en", false},
		{Condition{Field: "new", Op: "eq", Value: true}, true, true},
		{Condition{Field: "new", Op: "eq", Value: true}, "true", false},
		{Condition{Field: "price", Op: "eq", Value: "x"}, 3.0, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v %v", tt.c, tt.v), func(t *testing.T) {
			if got := tt.c.Match(tt.v, true); got != tt.want {
				t.Errorf("Matches(%v) = %v, want %v", tt.v, got, tt.want)
			}
		})
	}
}

func TestExplainItemFrom(t *testing.T) {
	rec := recd.Recommendation{ID: "1", Reasons: []recd.Reason{{Type: "popular"}}}
	it := &recd.Item{ID: "1", Title: "Heat (1995)", Categories: []string{"Crime"}, Attributes: map[string]any{"year": 1995}}
	got := ExplainItemFrom(rec, it, nil)
	if got.Title != "Heat (1995)" || got.Year != 1995 || len(got.Categories) != 1 || len(got.Reasons) != 1 || got.Named != nil {
		t.Errorf("ExplainItemFrom() = %+v", got)
	}
	rec.Reasons = []recd.Reason{{Type: "similar_to", Items: []string{"2", "3"}}}
	titles := map[string]string{"2": "Alien (1979)"}
	got = ExplainItemFrom(rec, it, func(id string) string { return titles[id] })
	if len(got.Named) != 1 || got.Named["2"] != "Alien (1979)" {
		t.Errorf("ExplainItemFrom() named %v, want only 2 as Alien (1979)", got.Named)
	}
}
