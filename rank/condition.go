package rank

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/recd/recd/index"
)

// MatchCondition reports whether an attribute value v (ok false when the item lacks the
// attribute) satisfies c. A missing attribute matches nothing, not even ne. Numbers of any
// Go numeric type (and json.Number, and strings that parse as numbers) compare as numbers;
// strings compare exactly; bools compare with "true"/"false"; for a list value ([]string,
// []any) eq holds when some element is equal and ne when none is; in holds when the value
// equals some element of c.Value ([]any).
func MatchCondition(c index.Condition, v any, ok bool) bool {
	if !ok || v == nil {
		return false
	}
	switch x := v.(type) {
	case string:
		return matchString(c, x)
	case []string:
		switch c.Op {
		case "ne":
			for _, s := range x {
				if equalString(s, c.Value) {
					return false
				}
			}
			return true
		default:
			for _, s := range x {
				if matchString(c, s) {
					return true
				}
			}
			return false
		}
	case []any:
		return matchList(c, x)
	}
	switch c.Op {
	case "eq":
		return equal(v, c.Value)
	case "ne":
		return !equal(v, c.Value)
	case "in":
		want, _ := c.Value.([]any)
		for _, w := range want {
			if equal(v, w) {
				return true
			}
		}
		return false
	}
	a, okA := number(v)
	b, okB := number(c.Value)
	if !okA || !okB {
		return false
	}
	switch c.Op {
	case "lt":
		return a < b
	case "lte":
		return a <= b
	case "gt":
		return a > b
	case "gte":
		return a >= b
	}
	return false
}

func matchList(c index.Condition, list []any) bool {
	if c.Op == "ne" {
		for _, x := range list {
			if equal(x, c.Value) {
				return false
			}
		}
		return true
	}
	for _, x := range list {
		if MatchCondition(c, x, true) {
			return true
		}
	}
	return false
}

// matchString is MatchCondition for a string value, without boxing it.
func matchString(c index.Condition, s string) bool {
	switch c.Op {
	case "eq":
		return equalString(s, c.Value)
	case "ne":
		return !equalString(s, c.Value)
	case "in":
		want, _ := c.Value.([]any)
		for _, w := range want {
			if equalString(s, w) {
				return true
			}
		}
		return false
	}
	a, err := strconv.ParseFloat(s, 64)
	b, ok := number(c.Value)
	if err != nil || !ok || math.IsNaN(a) {
		return false
	}
	switch c.Op {
	case "lt":
		return a < b
	case "lte":
		return a <= b
	case "gt":
		return a > b
	case "gte":
		return a >= b
	}
	return false
}

// equalString compares a string value with a condition value: as strings when w is one,
// as numbers when w is a number and s parses as one.
func equalString(s string, w any) bool {
	switch x := w.(type) {
	case string:
		return s == x
	case bool:
		return s == strconv.FormatBool(x)
	}
	b, ok := number(w)
	if !ok {
		return false
	}
	a, err := strconv.ParseFloat(s, 64)
	return err == nil && a == b
}

func equal(v, w any) bool {
	if a, ok := number(v); ok {
		if b, ok := number(w); ok {
			return a == b
		}
	}
	return str(v) == str(w)
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	}
	if f, ok := number(v); ok {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return "\x00" // matches no string
}

// number returns v as a float64 when it is a number or a string holding one.
func number(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int:
		f = float64(x)
	case int8:
		f = float64(x)
	case int16:
		f = float64(x)
	case int32:
		f = float64(x)
	case int64:
		f = float64(x)
	case uint:
		f = float64(x)
	case uint8:
		f = float64(x)
	case uint16:
		f = float64(x)
	case uint32:
		f = float64(x)
	case uint64:
		f = float64(x)
	case json.Number:
		g, err := x.Float64()
		if err != nil {
			return 0, false
		}
		f = g
	case string:
		g, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return 0, false
		}
		f = g
	default:
		return 0, false
	}
	return f, !math.IsNaN(f)
}
