package index_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

func TestParseCondition(t *testing.T) {
	for _, c := range []struct {
		in   string
		want index.Condition
	}{
		{"year>=1990", index.Condition{Field: "year", Op: "gte", Value: 1990.0}},
		{"year <= 2000", index.Condition{Field: "year", Op: "lte", Value: 2000.0}},
		{"year>1990", index.Condition{Field: "year", Op: "gt", Value: 1990.0}},
		{"year<1990.5", index.Condition{Field: "year", Op: "lt", Value: 1990.5}},
		{"lang=en", index.Condition{Field: "lang", Op: "eq", Value: "en"}},
		{"lang==\"en\"", index.Condition{Field: "lang", Op: "eq", Value: "en"}},
		{"lang!=en", index.Condition{Field: "lang", Op: "ne", Value: "en"}},
		{"kids=true", index.Condition{Field: "kids", Op: "eq", Value: true}},
		{"lang:in:en|fr", index.Condition{Field: "lang", Op: "in", Value: []any{"en", "fr"}}},
		{"year:gte:1990", index.Condition{Field: "year", Op: "gte", Value: 1990.0}},
	} {
		got, err := index.ParseCondition(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseCondition(%q) = %#v, %v; want %#v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "year", ">=3", "year>=abc", "x:lt:abc"} {
		if _, err := index.ParseCondition(bad); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("ParseCondition(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestEvalCondition(t *testing.T) {
	attrs := map[string]any{"i": 5, "f": 2.5, "n": json.Number("7"), "s": "a", "b": true, "l": []any{"x", 3}, "ls": []string{"p"}}
	for _, c := range []struct {
		c    index.Condition
		want bool
	}{
		{index.Condition{Field: "i", Op: "eq", Value: 5.0}, true},
		{index.Condition{Field: "i", Op: "eq", Value: json.Number("5")}, true},
		{index.Condition{Field: "i", Op: "lt", Value: 5}, false},
		{index.Condition{Field: "i", Op: "lte", Value: 5}, true},
		{index.Condition{Field: "f", Op: "gt", Value: 2}, true},
		{index.Condition{Field: "f", Op: "gte", Value: 2.6}, false},
		{index.Condition{Field: "n", Op: "gt", Value: int64(6)}, true},
		{index.Condition{Field: "s", Op: "eq", Value: "a"}, true},
		{index.Condition{Field: "s", Op: "eq", Value: 1}, false},
		{index.Condition{Field: "s", Op: "ne", Value: "b"}, true},
		{index.Condition{Field: "s", Op: "lt", Value: 1}, false},
		{index.Condition{Field: "b", Op: "eq", Value: true}, true},
		{index.Condition{Field: "l", Op: "eq", Value: 3}, true},
		{index.Condition{Field: "l", Op: "ne", Value: "x"}, false},
		{index.Condition{Field: "ls", Op: "in", Value: []string{"q", "p"}}, true},
		{index.Condition{Field: "s", Op: "in", Value: []any{"b", "c"}}, false},
		{index.Condition{Field: "missing", Op: "eq", Value: 1}, false},
		{index.Condition{Field: "missing", Op: "ne", Value: 1}, true},
		{index.Condition{Field: "missing", Op: "lt", Value: 1}, false},
	} {
		if got := index.EvalCondition(c.c, attrs); got != c.want {
			t.Errorf("EvalCondition(%+v) = %v, want %v", c.c, got, c.want)
		}
	}
}

func TestMatcher_Match(t *testing.T) {
	p := index.Payload{Categories: []string{"a", "b"}, Available: false}
	for name, c := range map[string]struct {
		f    *index.Filter
		want bool
	}{
		"nil":            {nil, true},
		"zero":           {&index.Filter{}, true},
		"any of":         {&index.Filter{Categories: []string{"z", "b"}}, true},
		"none of any":    {&index.Filter{Categories: []string{"z"}}, false},
		"exclude":        {&index.Filter{ExcludeCategories: []string{"a"}}, false},
		"available only": {&index.Filter{AvailableOnly: true}, false},
		"allow":          {&index.Filter{Allow: []string{"id"}}, true},
		"allow other":    {&index.Filter{Allow: []string{"x"}}, false},
		"empty allow":    {&index.Filter{Allow: []string{}}, false},
		"deny":           {&index.Filter{Deny: []string{"id"}}, false},
	} {
		if got := index.Matches(c.f, "id", p); got != c.want {
			t.Errorf("%s: Matches = %v, want %v", name, got, c.want)
		}
	}
}

func TestDotProduct(t *testing.T) {
	a := make([]float32, 67)
	b := make([]float32, 67)
	var want, wantL2 float64
	for i := range a {
		a[i], b[i] = float32(i%7)-3, float32(i%5)*0.5
		want += float64(a[i]) * float64(b[i])
		wantL2 += float64(a[i]-b[i]) * float64(a[i]-b[i])
	}
	if got := index.DotProduct(a, b); math.Abs(float64(got)-want) > 1e-3 {
		t.Errorf("DotProduct = %v, want %v", got, want)
	}
	if got := index.L2Squared(a, b); math.Abs(float64(got)-wantL2) > 1e-3 {
		t.Errorf("L2Squared = %v, want %v", got, wantL2)
	}
	index.Normalize(a)
	if n := index.Norm(a); math.Abs(float64(n)-1) > 1e-5 {
		t.Errorf("norm after Normalize = %v", n)
	}
}
