// Package cond owns attribute conditions: the Condition type, its one evaluator and its
// text syntax. Business rules (rank), the index push-down (index and its backends), the
// Qdrant filter translation (index/qdrant) and natural-language queries (query) all use it,
// so a condition means the same wherever it is evaluated.
//
// Semantics, for a condition {Field, Op, Value} and an item's attribute of that name:
//
//   - Values. A number is any Go integer or float kind or a json.Number, finite (NaN and
//     ±Inf, which JSON cannot carry, are not numbers); a string is a Go string; a bool is a
//     Go bool; a list is any slice or array but []byte, of such values. Anything else (a
//     map, a nested list) equals nothing.
//   - Equality. Two values are equal when they have the same kind and the same value.
//     Numbers compare by value across Go types (1990 == 1990.0 == json.Number("1990")).
//     Strings compare exactly: case-sensitive, byte for byte, no trimming, as Qdrant's
//     keyword match does; store and ask for values in one canonical case. A numeric string
//     is a string: "1990" does not equal 1990 and is in no range. Bools equal only bools.
//   - List attributes. eq holds when some element equals the value, in when some element
//     equals some listed value; ne holds when no element equals the value, nin when no
//     element equals any listed value. An empty list has no element to match.
//   - Ranges. lt, lte, gt and gte need a numeric value and hold when the attribute, or some
//     element of a list attribute, is a number in range. Each condition is checked on its
//     own: on [1, 9] both x>5 and x<2 hold.
//   - Missing attributes. An attribute that is absent or null passes ne and nin and fails
//     every other op (as a Qdrant must_not passes a point without the key).
//
// The evaluator is Condition.Match (one value) and Condition.Eval (an attribute map); the
// conformance table in cond/condtest pins these rules for every implementation.
package cond

import (
	"fmt"

	"github.com/recd/recd"
)

// Operators.
const (
	Eq    = "eq"  // equals (some element of a list attribute equals)
	Ne    = "ne"  // does not equal (no element of a list attribute equals)
	Lt    = "lt"  // number less than
	Lte   = "lte" // number less than or equal
	Gt    = "gt"  // number greater than
	Gte   = "gte" // number greater than or equal
	In    = "in"  // equals one of a list of values
	NotIn = "nin" // equals none of a list of values
)

var ops = map[string]bool{Eq: true, Ne: true, Lt: true, Lte: true, Gt: true, Gte: true, In: true, NotIn: true}

// Condition is a comparison on one item attribute, e.g. {"year", "gte", 1990}. Op is one of
// the operators above; for lt..gte Value must be a number, for in and nin a list.
type Condition struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value any    `json:"value"`
}

// IsRange reports whether op is one of lt, lte, gt, gte.
func IsRange(op string) bool { return op == Lt || op == Lte || op == Gt || op == Gte }

// Validate checks that c has a field, a known op, a number for lt..gte and a list for in and
// nin. It returns a recd.Invalid field error.
func (c Condition) Validate() error {
	if c.Field == "" {
		return recd.Invalid("field", "condition has no field")
	}
	if !ops[c.Op] {
		return recd.Invalid("op", fmt.Sprintf("unknown operator %q", c.Op))
	}
	switch {
	case IsRange(c.Op):
		if _, ok := Number(c.Value); !ok {
			return recd.Invalid("value", fmt.Sprintf("%s needs a number, got %v", c.Op, c.Value))
		}
	case c.Op == In || c.Op == NotIn:
		if !IsList(c.Value) {
			return recd.Invalid("value", c.Op+" needs a list")
		}
	}
	return nil
}

// ValidField reports whether f is a field name the text syntax accepts: a letter or '_'
// first, then letters, digits, '_', '.', '-'; at most 64 bytes.
func ValidField(f string) bool {
	if f == "" || len(f) > 64 {
		return false
	}
	for i, r := range f {
		letter := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !letter && (i == 0 || !(r == '.' || r == '-' || (r >= '0' && r <= '9'))) {
			return false
		}
	}
	return true
}
