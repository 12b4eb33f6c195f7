package cond

import (
	"encoding/json"
	"math"
	"reflect"
)

// Kind is the kind of a value under the package's equality.
type Kind uint8

// Kinds of values. KindOther values (maps, nested lists, nil) equal nothing.
const (
	KindOther Kind = iota
	KindString
	KindNumber
	KindBool
)

// Scalar is a value reduced to what equality looks at: its kind and, for that kind, its
// string, number or bool. Two values are equal exactly when their Scalars are equal and of a
// kind other than KindOther.
type Scalar struct {
	Kind Kind
	Str  string
	Num  float64
	Bool bool
}

// ScalarOf reduces v to a Scalar. A json.Number that does not parse is a string, as a store
// that keeps it as text sees it.
func ScalarOf(v any) Scalar {
	switch x := v.(type) {
	case string:
		return Scalar{Kind: KindString, Str: x}
	case bool:
		return Scalar{Kind: KindBool, Bool: x}
	case json.Number:
		if f, ok := Number(x); ok {
			return Scalar{Kind: KindNumber, Num: f}
		}
		if _, err := x.Float64(); err != nil {
			return Scalar{Kind: KindString, Str: x.String()}
		}
		return Scalar{}
	}
	if f, ok := Number(v); ok {
		return Scalar{Kind: KindNumber, Num: f}
	}
	return Scalar{}
}

// Equal reports whether a and b are equal values: same kind, same value.
func Equal(a, b any) bool {
	x := ScalarOf(a)
	return x.Kind != KindOther && x == ScalarOf(b)
}

// Number converts the finite numbers (every Go integer and float kind, json.Number) to
// float64; NaN, ±Inf and everything else are not numbers.
func Number(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float32:
		f = float64(x)
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	case nil, string, bool:
		return 0, false
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return float64(rv.Int()), true
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return float64(rv.Uint()), true
		case reflect.Float32, reflect.Float64:
			f = rv.Float()
		default:
			return 0, false
		}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// IsList reports whether v is a list: a slice or array other than a byte slice.
func IsList(v any) bool {
	switch v.(type) {
	case []any, []string, []float64:
		return true
	case nil, string, bool, float64, int, json.Number:
		return false
	}
	t := reflect.TypeOf(v)
	return t.Kind() == reflect.Array || t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8
}

// List returns the elements of a list value (see IsList).
func List(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	}
	if !IsList(v) {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// anyScalar calls pred on the Scalar of v, or of each element when v is a list, until pred
// returns true; it reports whether one did. The common list types are walked without
// boxing their elements.
func anyScalar(v any, pred func(Scalar) bool) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if pred(ScalarOf(e)) {
				return true
			}
		}
		return false
	case []string:
		for _, e := range x {
			if pred(Scalar{Kind: KindString, Str: e}) {
				return true
			}
		}
		return false
	case []float64:
		for _, e := range x {
			s := Scalar{Kind: KindNumber, Num: e}
			if math.IsNaN(e) || math.IsInf(e, 0) {
				s = Scalar{}
			}
			if pred(s) {
				return true
			}
		}
		return false
	}
	if !IsList(v) {
		return pred(ScalarOf(v))
	}
	rv := reflect.ValueOf(v)
	for i := 0; i < rv.Len(); i++ {
		if pred(ScalarOf(rv.Index(i).Interface())) {
			return true
		}
	}
	return false
}

// Eval evaluates c against an item's attributes (nil: none).
func (c Condition) Eval(attrs map[string]any) bool {
	v, ok := attrs[c.Field]
	return c.Match(v, ok)
}

// Match reports whether an attribute value v satisfies c; ok is false when the item lacks
// the attribute. A malformed condition (see Validate) matches like a missing attribute would
// for ne and nin and fails otherwise.
func (c Condition) Match(v any, ok bool) bool {
	if !ok || v == nil {
		return c.Op == Ne || c.Op == NotIn
	}
	switch c.Op {
	case Eq, Ne:
		want := ScalarOf(c.Value)
		hit := want.Kind != KindOther && anyScalar(v, func(s Scalar) bool { return s == want })
		return hit == (c.Op == Eq)
	case In, NotIn:
		if !IsList(c.Value) {
			return false
		}
		hit := anyScalar(v, func(s Scalar) bool {
			return s.Kind != KindOther && anyScalar(c.Value, func(w Scalar) bool { return w == s })
		})
		return hit == (c.Op == In)
	case Lt, Lte, Gt, Gte:
		want, ok := Number(c.Value)
		return ok && anyScalar(v, func(s Scalar) bool { return s.Kind == KindNumber && inRange(c.Op, s.Num, want) })
	}
	return false
}

func inRange(op string, got, want float64) bool {
	switch op {
	case Lt:
		return got < want
	case Lte:
		return got <= want
	case Gt:
		return got > want
	}
	return got >= want
}
