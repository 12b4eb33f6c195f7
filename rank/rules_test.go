package rank

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

func TestParseCondition(t *testing.T) {
	good := []struct {
		in   string
		want index.Condition
	}{
		{"year>=1990", index.Condition{Field: "year", Op: "gte", Value: 1990.0}},
		{" year < 2000.5 ", index.Condition{Field: "year", Op: "lt", Value: 2000.5}},
		{"lang=fr", index.Condition{Field: "lang", Op: "eq", Value: "fr"}},
		{"lang==fr", index.Condition{Field: "lang", Op: "eq", Value: "fr"}},
		{"lang!='fr'", index.Condition{Field: "lang", Op: "ne", Value: "fr"}},
		{`code="42"`, index.Condition{Field: "code", Op: "eq", Value: "42"}},
		{"price<=-1e3", index.Condition{Field: "price", Op: "lte", Value: -1000.0}},
		{"meta.rating>7", index.Condition{Field: "meta.rating", Op: "gt", Value: 7.0}},
		{"category=Sci-Fi", index.Condition{Field: "category", Op: "eq", Value: "Sci-Fi"}},
		{"title=a=b", index.Condition{Field: "title", Op: "eq", Value: "a=b"}},
	}
	for _, tc := range good {
		got, err := ParseCondition(tc.in)
		if err != nil {
			t.Errorf("ParseCondition(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseCondition(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
	for _, in := range []string{"", "year", "year>=", ">=1990", "1year>=3", "year>=abc", "ye ar=1", "year>=NaN", "a<'b'"} {
		if _, err := ParseCondition(in); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("ParseCondition(%q): err = %v, want ErrInvalid", in, err)
		}
	}
}

func TestParseBoost(t *testing.T) {
	b, err := ParseBoost("category=Comedy^1.5")
	if err != nil {
		t.Fatal(err)
	}
	if b.Factor != 1.5 || b.Condition != (index.Condition{Field: "category", Op: "eq", Value: "Comedy"}) {
		t.Errorf("got %+v", b)
	}
	for _, in := range []string{"year>=2000", "year>=2000^0", "year>=2000^x", "^2", "year>=2000^-1"} {
		if _, err := ParseBoost(in); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("ParseBoost(%q): err = %v, want ErrInvalid", in, err)
		}
	}
}

func TestCondition_Match(t *testing.T) {
	cond := func(s string) index.Condition {
		c, err := ParseCondition(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cases := []struct {
		cond string
		v    any
		ok   bool
		want bool
	}{
		{"year>=1990", 1995, true, true},
		{"year>=1990", int64(1990), true, true},
		{"year>=1990", float32(1989.5), true, false},
		{"year>=1990", json.Number("2001"), true, true},
		{"year>=1990", "2001", true, false}, // a string is not a number, as in Qdrant
		{"year>=1990", "new", true, false},
		{"year>=1990", nil, false, false},
		{"year!=1990", nil, false, true}, // missing passes ne, as in Qdrant's must_not
		{"year=1990", nil, false, false},
		{"year!=1990", 1991, true, true},
		{"year=1990", 1990.0, true, true},
		{"lang=fr", "fr", true, true},
		{"lang=fr", "en", true, false},
		{"lang!=fr", "en", true, true},
		{"tags=indie", []string{"cult", "indie"}, true, true},
		{"tags!=indie", []string{"cult", "indie"}, true, false},
		{"tags!=indie", []any{"cult"}, true, true},
		{"scores>8", []any{3, 9.5}, true, true},
		{"kids=true", true, true, true},
		{"kids=true", false, true, false},
		{"lang=fr", map[string]any{}, true, false},
	}
	for _, tc := range cases {
		if got := cond(tc.cond).Match(tc.v, tc.ok); got != tc.want {
			t.Errorf("%s on %#v = %v, want %v", tc.cond, tc.v, got, tc.want)
		}
	}
	in := index.Condition{Field: "lang", Op: "in", Value: []any{"fr", "de"}}
	if !in.Match("de", true) || in.Match("en", true) {
		t.Error("in does not match its list")
	}
}

func TestRules_Apply(t *testing.T) {
	mustCond := func(s string) index.Condition {
		c, err := ParseCondition(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Run("filters", func(t *testing.T) {
		cases := []struct {
			name  string
			rules Rules
			want  []string
		}{
			{"zero value keeps all", Rules{}, ids(fixtureCandidates(t))},
			{"exclude", Rules{Exclude: []string{"m11", "m1"}}, []string{"m3", "m6", "m4", "m2", "m9", "m8", "m7", "m5", "m10", "m12"}},
			{"categories any of", Rules{Categories: []string{"Romance", "Thriller"}}, []string{"m6", "m4", "m9", "m7", "m5", "m10", "m12"}},
			{"exclude categories", Rules{ExcludeCategories: []string{"Animation", "Thriller"}}, []string{"m4", "m7", "m10"}},
			{"year filter", Rules{Filters: []index.Condition{mustCond("year>=2001"), mustCond("lang!=en")}}, []string{"m4", "m9", "m8"}},
			{"category condition", Rules{Filters: []index.Condition{mustCond("category=Drama")}}, []string{"m2", "m9", "m8", "m5", "m10", "m12"}},
			{"available only", Rules{AvailableOnly: true, Categories: []string{"Thriller"}}, []string{"m9", "m5", "m12"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := tc.rules.Apply(fixtureCandidates(t), fixtureInfo{})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids(got), tc.want) {
					t.Errorf("got %v, want %v", ids(got), tc.want)
				}
			})
		}
	})
	t.Run("boosts golden", func(t *testing.T) {
		cands := fixtureCandidates(t)
		for i := range cands {
			cands[i].Categories = nil // taken from info
		}
		r := Rules{Boosts: []Boost{
			{Condition: mustCond("category=Thriller"), Factor: 2},
			{Condition: mustCond("year<1996"), Factor: 1.5},
		}}
		got, err := r.Apply(cands, fixtureInfo{})
		if err != nil {
			t.Fatal(err)
		}
		// Se7en: thriller from 1995 → 0.3333*2*1.5 = 1.
		if got[0].ID != "m6" || !near(got[0].Score, 1) {
			t.Errorf("top = %s %v, want m6 1", got[0].ID, got[0].Score)
		}
		golden(t, "rules_boost", format(got))
	})
	t.Run("bad rules", func(t *testing.T) {
		bad := []Rules{
			{Filters: []index.Condition{{Field: "year", Op: "gte", Value: "x"}}},
			{Filters: []index.Condition{{Field: "year", Op: "like", Value: 1.0}}},
			{Boosts: []Boost{{Condition: index.Condition{Field: "a", Op: "eq", Value: 1.0}, Factor: 0}}},
		}
		for i, r := range bad {
			if _, err := r.Apply(fixtureCandidates(t), fixtureInfo{}); !errors.Is(err, recd.ErrInvalid) {
				t.Errorf("rules %d: err = %v", i, err)
			}
		}
	})
}

func TestRules_IndexFilter(t *testing.T) {
	year, _ := ParseCondition("year>=1990")
	cat, _ := ParseCondition("category=Comedy")
	notCat, _ := ParseCondition("category!=Horror")
	r := Rules{Exclude: []string{"x"}, Categories: []string{"Drama"}, ExcludeCategories: []string{"Kids"},
		Filters: []index.Condition{year, cat, notCat}, AvailableOnly: true}
	f := r.IndexFilter()
	want := index.Filter{
		Categories: []string{"Drama", "Comedy"}, ExcludeCategories: []string{"Kids", "Horror"},
		AvailableOnly: true, Deny: []string{"x"}, Conditions: []index.Condition{year},
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("IndexFilter = %+v, want %+v", f, want)
	}
	if len(r.Categories) != 1 {
		t.Errorf("IndexFilter changed the rules: %v", r.Categories)
	}
}

// FuzzParseCondition checks that any input either fails with ErrInvalid or yields a valid
// condition that matches without panicking.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{"year>=1990", "lang!='fr'", "a=b=c", "x<", "==", "tags=\"\"", "y<=-1e309"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(s)
		if err != nil {
			if !errors.Is(err, recd.ErrInvalid) {
				t.Fatalf("ParseCondition(%q): error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if err := validCondition(c); err != nil {
			t.Fatalf("ParseCondition(%q) = %+v, invalid: %v", s, c, err)
		}
		for _, v := range []any{1990, "fr", []string{"fr"}, []any{1.5, "x"}, true, nil} {
			c.Match(v, true)
		}
	})
}
