package main

import (
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// rule is the range a configuration value must lie in. check returns "" for a valid value
// and otherwise what is wrong ("must be between 1 and 1024"); String says the range in the
// configuration reference ("1 to 1024").
type rule interface {
	check(v reflect.Value) string
	String() string
}

// numRule bounds a number, a duration or each value of a map of numbers: lo <= x <= hi, or
// lo < x <= hi when above is set; hi is noMax when there is no upper bound (infinity and
// NaN are out of every range).
type numRule struct {
	lo, hi float64
	above  bool
	// unit formats a bound: plain numbers, or durations for duration fields.
	duration bool
}

// noMax is the upper bound of a range without one.
const noMax = math.MaxFloat64

// between is lo <= x <= hi.
func between(lo, hi float64) rule { return numRule{lo: lo, hi: hi} }

// atLeast is x >= lo.
func atLeast(lo float64) rule { return numRule{lo: lo, hi: noMax} }

// positive is x > 0; upTo is 0 < x <= hi.
func positive() rule       { return numRule{hi: noMax, above: true} }
func upTo(hi float64) rule { return numRule{hi: hi, above: true} }

// positiveDuration is a duration > 0; nonNegativeDuration a duration >= 0.
func positiveDuration() rule    { return numRule{hi: noMax, above: true, duration: true} }
func nonNegativeDuration() rule { return numRule{hi: noMax, duration: true} }

// durationUpTo is a duration with 0 < d <= hi.
func durationUpTo(hi time.Duration) rule {
	return numRule{hi: float64(hi), above: true, duration: true}
}

// rfc3339Since1678 is an RFC 3339 time from 1678 (the earliest a time.Duration offset from
// the Unix epoch reaches) to now.
type rfc3339Since1678 struct{}

func (rfc3339Since1678) check(v reflect.Value) string {
	if t, err := time.Parse(time.RFC3339, v.String()); err == nil && t.Year() >= 1678 && t.Before(time.Now()) {
		return ""
	}
	return "must be an RFC 3339 time from 1678 to now, e.g. 1970-01-01T00:00:00Z"
}

func (rfc3339Since1678) String() string { return "RFC 3339, 1678 to now" }

func (r numRule) check(v reflect.Value) string {
	x, ok := number(v)
	if !ok {
		return "is not a number"
	}
	if (r.above && x > r.lo || !r.above && x >= r.lo) && x <= r.hi {
		return ""
	}
	switch {
	case r.above && r.hi == noMax && r.lo == 0:
		return "must be positive"
	case r.above && r.hi == noMax:
		return "must be greater than " + r.format(r.lo)
	case r.above:
		return "must be greater than " + r.format(r.lo) + " and at most " + r.format(r.hi)
	case r.hi == noMax && r.lo == 0:
		return "must not be negative"
	case r.hi == noMax:
		return "must be at least " + r.format(r.lo)
	}
	return "must be between " + r.format(r.lo) + " and " + r.format(r.hi)
}

func (r numRule) String() string {
	switch {
	case r.above && r.hi == noMax:
		return "> " + r.format(r.lo)
	case r.above:
		return "> " + r.format(r.lo) + " and <= " + r.format(r.hi)
	case r.hi == noMax:
		return ">= " + r.format(r.lo)
	}
	return r.format(r.lo) + " to " + r.format(r.hi)
}

func (r numRule) format(x float64) string {
	if r.duration && x != 0 {
		return formatDuration(time.Duration(x))
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// number reads an integer, unsigned, float or duration field as a float64.
func number(v reflect.Value) (float64, bool) {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint()), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	return 0, false
}

// choiceRule is a string that must be one of a few values.
type choiceRule []string

// oneOf is a string among choices ("" only when listed).
func oneOf(choices ...string) rule { return choiceRule(choices) }

func (r choiceRule) check(v reflect.Value) string {
	if slices.Contains(r, v.String()) {
		return ""
	}
	return "must be " + r.String()
}

func (r choiceRule) String() string {
	quoted := make([]string, len(r))
	for i, c := range r {
		quoted[i] = c
		if c == "" {
			quoted[i] = `""`
		}
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// formatDuration writes d without the zero tails of time.Duration.String: 1h, 90s, 168h.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// requiredRule is a string that must not be empty.
type requiredRule struct{}

func required() rule { return requiredRule{} }

func (requiredRule) check(v reflect.Value) string {
	if v.String() == "" {
		return "is required"
	}
	return ""
}

func (requiredRule) String() string { return "required" }

func timeDuration(v reflect.Value) time.Duration { return time.Duration(v.Int()) }
