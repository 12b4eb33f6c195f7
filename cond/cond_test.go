package cond_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/cond"
	"github.com/recd/recd/cond/condtest"
)

func TestCondition_Eval_Conformance(t *testing.T) {
	condtest.Run(t, func(c cond.Condition, it condtest.Item) bool {
		if err := c.Validate(); err != nil {
			t.Fatalf("table condition %+v is invalid: %v", c, err)
		}
		return c.Eval(it.Attributes)
	})
}

func TestCondition_Eval(t *testing.T) {
	attrs := map[string]any{"i": 5, "f": 2.5, "n": json.Number("7"), "s": "a", "b": true, "l": []any{"x", 3}, "ls": []string{"p"}}
	for _, c := range []struct {
		c    cond.Condition
		want bool
	}{
		{cond.Condition{Field: "i", Op: "eq", Value: 5.0}, true},
		{cond.Condition{Field: "i", Op: "eq", Value: json.Number("5")}, true},
		{cond.Condition{Field: "i", Op: "lt", Value: 5}, false},
		{cond.Condition{Field: "i", Op: "lte", Value: 5}, true},
		{cond.Condition{Field: "f", Op: "gt", Value: 2}, true},
		{cond.Condition{Field: "f", Op: "gte", Value: 2.6}, false},
		{cond.Condition{Field: "n", Op: "gt", Value: int64(6)}, true},
		{cond.Condition{Field: "s", Op: "eq", Value: "a"}, true},
		{cond.Condition{Field: "s", Op: "eq", Value: 1}, false},
		{cond.Condition{Field: "s", Op: "ne", Value: "b"}, true},
		{cond.Condition{Field: "s", Op: "lt", Value: 1}, false},
		{cond.Condition{Field: "b", Op: "eq", Value: true}, true},
		{cond.Condition{Field: "l", Op: "eq", Value: 3}, true},
		{cond.Condition{Field: "l", Op: "ne", Value: "x"}, false},
		{cond.Condition{Field: "ls", Op: "in", Value: []string{"q", "p"}}, true},
		{cond.Condition{Field: "s", Op: "in", Value: []any{"b", "c"}}, false},
		{cond.Condition{Field: "missing", Op: "eq", Value: 1}, false},
		{cond.Condition{Field: "missing", Op: "ne", Value: 1}, true},
		{cond.Condition{Field: "missing", Op: "lt", Value: 1}, false},
	} {
		if got := c.c.Eval(attrs); got != c.want {
			t.Errorf("Eval(%+v) = %v, want %v", c.c, got, c.want)
		}
	}
}

func TestCondition_Match(t *testing.T) {
	for _, tc := range []struct {
		c    cond.Condition
		v    any
		ok   bool
		want bool
	}{
		{cond.Condition{Field: "x", Op: "eq", Value: "a"}, nil, true, false},                           // null is missing
		{cond.Condition{Field: "x", Op: "ne", Value: "a"}, nil, true, true},                            // null is missing
		{cond.Condition{Field: "x", Op: "eq", Value: []any{"a"}}, "a", true, false},                    // a list equals nothing
		{cond.Condition{Field: "x", Op: "eq", Value: map[string]any{}}, map[string]any{}, true, false}, // nor a map
		{cond.Condition{Field: "x", Op: "eq", Value: 1}, []any{[]any{1}}, true, false},                 // lists are not flattened twice
		{cond.Condition{Field: "x", Op: "gt", Value: 0}, [2]int{-1, 1}, true, true},                    // arrays are lists
		{cond.Condition{Field: "x", Op: "eq", Value: "ab"}, []byte("ab"), true, false},                 // bytes are not a list or a string
		{cond.Condition{Field: "x", Op: "in", Value: "a"}, "a", true, false},                           // malformed in
		{cond.Condition{Field: "x", Op: "lt", Value: "a"}, "a", true, false},                           // malformed range
		{cond.Condition{Field: "x", Op: "zz", Value: 1}, 1, true, false},                               // unknown op
	} {
		if got := tc.c.Match(tc.v, tc.ok); got != tc.want {
			t.Errorf("%+v.Match(%#v, %v) = %v, want %v", tc.c, tc.v, tc.ok, got, tc.want)
		}
	}
}

func TestNumber(t *testing.T) {
	type myInt int16
	for _, tc := range []struct {
		v    any
		want float64
		ok   bool
	}{
		{1, 1, true}, {int64(-2), -2, true}, {uint8(3), 3, true}, {float32(1.5), 1.5, true}, {myInt(7), 7, true},
		{json.Number("2.5"), 2.5, true}, {json.Number("1e400"), 0, false}, {json.Number("x"), 0, false},
		{math.NaN(), 0, false}, {math.Inf(1), 0, false}, {"1", 0, false}, {true, 0, false}, {nil, 0, false},
	} {
		got, ok := cond.Number(tc.v)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Number(%#v) = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCondition_Validate(t *testing.T) {
	good := []cond.Condition{{Field: "x", Op: "eq", Value: "a"}, {Field: "x", Op: "gte", Value: 1},
		{Field: "x", Op: "in", Value: []string{"a"}}, {Field: "x", Op: "nin", Value: []any{}}}
	for _, c := range good {
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", c, err)
		}
	}
	bad := []cond.Condition{{Op: "eq", Value: 1}, {Field: "x", Op: "like", Value: 1}, {Field: "x", Op: "lt", Value: "1"},
		{Field: "x", Op: "gt", Value: math.NaN()}, {Field: "x", Op: "in", Value: "a"}, {Field: "x", Op: "nin", Value: nil}}
	for _, c := range bad {
		if err := c.Validate(); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid", c, err)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want cond.Condition
	}{
		{"year>=1990", cond.Condition{Field: "year", Op: "gte", Value: 1990.0}},
		{"year <= 2000", cond.Condition{Field: "year", Op: "lte", Value: 2000.0}},
		{"year>1990", cond.Condition{Field: "year", Op: "gt", Value: 1990.0}},
		{"lang=en", cond.Condition{Field: "lang", Op: "eq", Value: "en"}},
		{"lang!=en", cond.Condition{Field: "lang", Op: "ne", Value: "en"}},
		{" year < 2000.5 ", cond.Condition{Field: "year", Op: "lt", Value: 2000.5}},
		{"lang==\"en\"", cond.Condition{Field: "lang", Op: "eq", Value: "en"}},
		{"lang!='fr'", cond.Condition{Field: "lang", Op: "ne", Value: "fr"}},
		{`code="42"`, cond.Condition{Field: "code", Op: "eq", Value: "42"}},
		{"kids=true", cond.Condition{Field: "kids", Op: "eq", Value: true}},
		{"title=a=b", cond.Condition{Field: "title", Op: "eq", Value: "a=b"}},
		{"title=a:eq:b", cond.Condition{Field: "title", Op: "eq", Value: "a:eq:b"}},
		{"year:gte:1990", cond.Condition{Field: "year", Op: "gte", Value: 1990.0}},
		{"lang:in:en|fr", cond.Condition{Field: "lang", Op: "in", Value: []any{"en", "fr"}}},
		{"country:nin:Japan|'42'|42", cond.Condition{Field: "country", Op: "nin", Value: []any{"Japan", "42", 42.0}}},
	} {
		got, err := cond.Parse(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "year", "year>=", ">=1990", "1year>=3", "year>=abc", "ye ar=1", "year>=NaN",
		"a<'b'", "x:lt:abc", "x:eq:", "x:like:1"} {
		if _, err := cond.Parse(in); !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("Parse(%q): err = %v, want ErrInvalid", in, err)
		}
	}
}

func BenchmarkCondition_Match(b *testing.B) {
	for _, bc := range []struct {
		name string
		c    cond.Condition
		v    any
	}{
		{"eq string", cond.Condition{Field: "x", Op: "eq", Value: "fr"}, "fr"},
		{"eq on []any", cond.Condition{Field: "x", Op: "eq", Value: "Japan"}, []any{"France", "Italy", "Japan"}},
		{"eq on []string", cond.Condition{Field: "x", Op: "eq", Value: "Japan"}, []string{"France", "Italy", "Japan"}},
		{"in on []any", cond.Condition{Field: "x", Op: "in", Value: []any{"Spain", "Japan"}}, []any{"France", "Japan"}},
		{"gte int", cond.Condition{Field: "x", Op: "gte", Value: 1990.0}, 1995},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !bc.c.Match(bc.v, true) {
					b.Fatal("no match")
				}
			}
		})
	}
}

func TestCondition_Match_float64List(t *testing.T) {
	c := cond.Condition{Field: "x", Op: "gt", Value: 1}
	if !c.Match([]float64{0, 2}, true) || c.Match([]float64{math.NaN(), math.Inf(1)}, true) {
		t.Error("a []float64 attribute is a list of numbers, NaN and Inf not counted")
	}
	if !(cond.Condition{Field: "x", Op: "eq", Value: 2}).Match([]float64{0, 2}, true) {
		t.Error("eq on []float64")
	}
}
