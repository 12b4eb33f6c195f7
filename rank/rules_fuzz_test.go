package rank

import (
	"errors"
	"math"
	"testing"

	"github.com/recd/recd"
)

// FuzzParseCondition: any string parses to a valid condition or an ErrInvalid error, never
// a panic; a parsed condition has a bounded field name and a finite numeric value.
func FuzzParseCondition_RoundTrip(f *testing.F) {
	for _, s := range []string{"year>=1990", "lang=fr", "title!='Up'", "category=Comedy", `a="b"`, "x<", "<=3",
		"year>=NaN", "year>1e400", "a.b-c_d==1", "'", "==", "y>=\"1990\"", "\xff=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(s)
		if err != nil {
			if !errors.Is(err, recd.ErrInvalid) {
				t.Fatalf("ParseCondition(%q): error %v is not ErrInvalid", s, err)
			}
			return
		}
		if c.Field == "" || len(c.Field) > 64 {
			t.Fatalf("ParseCondition(%q): field %q", s, c.Field)
		}
		if v, ok := c.Value.(float64); ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("ParseCondition(%q): value %v", s, v)
		}
	})
}

// FuzzParseBoost: any string parses to a boost with a finite factor > 0 or an ErrInvalid error.
func FuzzParseBoost(f *testing.F) {
	for _, s := range []string{"category=Comedy^1.5", "year>=2000^1.2", "a=b^0", "a=b^-1", "a=b^NaN", "a=b^Inf",
		"^", "a^b^2", "x=^^^3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBoost(s)
		if err != nil {
			if !errors.Is(err, recd.ErrInvalid) {
				t.Fatalf("ParseBoost(%q): error %v is not ErrInvalid", s, err)
			}
			return
		}
		if !(b.Factor > 0) || math.IsInf(b.Factor, 0) {
			t.Fatalf("ParseBoost(%q): factor %v", s, b.Factor)
		}
	})
}
