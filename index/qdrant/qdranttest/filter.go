package qdranttest

import (
	"strings"

	"github.com/qdrant/go-client/qdrant"
)

// MatchPayload evaluates a Qdrant filter on one point's payload as the double's server
// does (has_id conditions see a point without an id), so a client's filter translation can
// be checked against the double's reading of Qdrant without a round trip.
func MatchPayload(f *qdrant.Filter, payload map[string]*qdrant.Value) (bool, error) {
	return evalFilter(f, "", &point{payload: payload})
}

// evalFilter evaluates a Qdrant filter on one point: every must holds, no must_not holds,
// and if should is not empty at least one of it holds (min_should: at least min_count).
func evalFilter(f *qdrant.Filter, key string, pt *point) (bool, error) {
	if f == nil {
		return true, nil
	}
	for _, c := range f.GetMust() {
		ok, err := evalCondition(c, key, pt)
		if err != nil || !ok {
			return false, err
		}
	}
	for _, c := range f.GetMustNot() {
		ok, err := evalCondition(c, key, pt)
		if err != nil || ok {
			return false, err
		}
	}
	if len(f.GetShould()) > 0 {
		any := false
		for _, c := range f.GetShould() {
			ok, err := evalCondition(c, key, pt)
			if err != nil {
				return false, err
			}
			any = any || ok
		}
		if !any {
			return false, nil
		}
	}
	if ms := f.GetMinShould(); ms != nil {
		n := uint64(0)
		for _, c := range ms.GetConditions() {
			ok, err := evalCondition(c, key, pt)
			if err != nil {
				return false, err
			}
			if ok {
				n++
			}
		}
		if n < ms.GetMinCount() {
			return false, nil
		}
	}
	return true, nil
}

func evalCondition(c *qdrant.Condition, key string, pt *point) (bool, error) {
	switch x := c.GetConditionOneOf().(type) {
	case *qdrant.Condition_Field:
		return evalField(x.Field, pt)
	case *qdrant.Condition_HasId:
		for _, id := range x.HasId.GetHasId() {
			k, err := pointKey(id)
			if err != nil {
				return false, err
			}
			if k == key {
				return true, nil
			}
		}
		return false, nil
	case *qdrant.Condition_Filter:
		return evalFilter(x.Filter, key, pt)
	case *qdrant.Condition_IsEmpty:
		vals, err := lookup(pt.payload, x.IsEmpty.GetKey())
		return len(nonNull(vals)) == 0, err
	case *qdrant.Condition_IsNull:
		vals, err := lookup(pt.payload, x.IsNull.GetKey())
		for _, v := range vals {
			if _, ok := v.GetKind().(*qdrant.Value_NullValue); ok {
				return true, err
			}
		}
		return false, err
	case *qdrant.Condition_HasVector:
		name := x.HasVector.GetHasVector()
		_, sparse := pt.sparse[name]
		return pt.dense[name] || sparse, nil
	case nil:
		return false, badInput("Condition is empty")
	}
	return false, unimplemented("nested conditions")
}

func nonNull(vals []*qdrant.Value) []*qdrant.Value {
	var out []*qdrant.Value
	for _, v := range vals {
		if _, ok := v.GetKind().(*qdrant.Value_NullValue); !ok {
			out = append(out, v)
		}
	}
	return out
}

func evalField(fc *qdrant.FieldCondition, pt *point) (bool, error) {
	vals, err := lookup(pt.payload, fc.GetKey())
	if err != nil {
		return false, err
	}
	switch {
	case fc.GetMatch() != nil:
		return evalMatch(fc.GetMatch(), vals)
	case fc.GetRange() != nil:
		r := fc.GetRange()
		for _, v := range vals {
			f, ok := numeric(v)
			if !ok {
				continue
			}
			if (r.Lt == nil || f < r.GetLt()) && (r.Lte == nil || f <= r.GetLte()) &&
				(r.Gt == nil || f > r.GetGt()) && (r.Gte == nil || f >= r.GetGte()) {
				return true, nil
			}
		}
		return false, nil
	case fc.IsEmpty != nil:
		return (len(nonNull(vals)) == 0) == fc.GetIsEmpty(), nil
	case fc.GetGeoBoundingBox() != nil, fc.GetGeoRadius() != nil, fc.GetGeoPolygon() != nil,
		fc.GetValuesCount() != nil, fc.GetDatetimeRange() != nil, fc.IsNull != nil:
		return false, unimplemented("geo, values_count, datetime and is_null field conditions")
	}
	return false, badInput("At least one field condition must be specified for key %q", fc.GetKey())
}

func evalMatch(m *qdrant.Match, vals []*qdrant.Value) (bool, error) {
	anyOf := func(pred func(*qdrant.Value) bool) bool {
		for _, v := range vals {
			if pred(v) {
				return true
			}
		}
		return false
	}
	str := func(v *qdrant.Value) (string, bool) {
		s, ok := v.GetKind().(*qdrant.Value_StringValue)
		if !ok {
			return "", false
		}
		return s.StringValue, true
	}
	integer := func(v *qdrant.Value) (int64, bool) {
		i, ok := v.GetKind().(*qdrant.Value_IntegerValue)
		if !ok {
			return 0, false
		}
		return i.IntegerValue, true
	}
	switch x := m.GetMatchValue().(type) {
	case *qdrant.Match_Keyword:
		return anyOf(func(v *qdrant.Value) bool { s, ok := str(v); return ok && s == x.Keyword }), nil
	case *qdrant.Match_Integer:
		return anyOf(func(v *qdrant.Value) bool { i, ok := integer(v); return ok && i == x.Integer }), nil
	case *qdrant.Match_Boolean:
		return anyOf(func(v *qdrant.Value) bool {
			b, ok := v.GetKind().(*qdrant.Value_BoolValue)
			return ok && b.BoolValue == x.Boolean
		}), nil
	case *qdrant.Match_Keywords:
		set := map[string]bool{}
		for _, s := range x.Keywords.GetStrings() {
			set[s] = true
		}
		return anyOf(func(v *qdrant.Value) bool { s, ok := str(v); return ok && set[s] }), nil
	case *qdrant.Match_Integers:
		set := map[int64]bool{}
		for _, i := range x.Integers.GetIntegers() {
			set[i] = true
		}
		return anyOf(func(v *qdrant.Value) bool { i, ok := integer(v); return ok && set[i] }), nil
	case nil:
		return false, badInput("Match condition has no value")
	}
	return false, unimplemented("text, phrase and except matches")
}

func numeric(v *qdrant.Value) (float64, bool) {
	switch x := v.GetKind().(type) {
	case *qdrant.Value_DoubleValue:
		return x.DoubleValue, true
	case *qdrant.Value_IntegerValue:
		return float64(x.IntegerValue), true
	}
	return 0, false
}

// lookup returns the values at a payload path ("a.b", `a."b.c"`, "a[].b"): arrays met on the
// way are flattened, and so is an array at the end, as in Qdrant's filters.
func lookup(payload map[string]*qdrant.Value, key string) ([]*qdrant.Value, error) {
	segs, err := splitKey(key)
	if err != nil {
		return nil, err
	}
	cur := []*qdrant.Value{qdrant.NewValueFromFields(payload)}
	for _, seg := range segs {
		var next []*qdrant.Value
		for _, v := range flatten(cur) {
			if s, ok := v.GetKind().(*qdrant.Value_StructValue); ok {
				if f, ok := s.StructValue.GetFields()[seg]; ok {
					next = append(next, f)
				}
			}
		}
		cur = next
	}
	return flatten(cur), nil
}

func flatten(vals []*qdrant.Value) []*qdrant.Value {
	var out []*qdrant.Value
	for _, v := range vals {
		if l, ok := v.GetKind().(*qdrant.Value_ListValue); ok {
			out = append(out, l.ListValue.GetValues()...)
		} else {
			out = append(out, v)
		}
	}
	return out
}

func splitKey(key string) ([]string, error) {
	if key == "" {
		return nil, badInput("Empty payload key")
	}
	var segs []string
	for len(key) > 0 {
		var seg string
		if key[0] == '"' {
			end := strings.IndexByte(key[1:], '"')
			if end < 0 {
				return nil, badInput("Invalid payload key %q: unterminated quote", key)
			}
			seg, key = key[1:end+1], key[end+2:]
		} else {
			end := strings.IndexByte(key, '.')
			if end < 0 {
				end = len(key)
			}
			seg, key = key[:end], key[end:]
			seg = strings.TrimSuffix(seg, "[]")
		}
		if seg == "" {
			return nil, badInput("Invalid payload key: empty segment")
		}
		segs = append(segs, seg)
		if len(key) > 0 {
			if key[0] != '.' {
				return nil, badInput("Invalid payload key: expected '.' after %q", seg)
			}
			key = key[1:]
			if key == "" {
				return nil, badInput("Invalid payload key: trailing '.'")
			}
		}
	}
	return segs, nil
}
