package qdrant

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"

	"github.com/qdrant/go-client/qdrant"

	"github.com/recd/recd"
	"github.com/recd/recd/cond"
	"github.com/recd/recd/index"
)

// Payload keys. Attributes are nested under "attributes", so filters address them as
// attributes.<name>.
const (
	keyID         = "id"
	keyCategories = "categories"
	keyAvailable  = "available"
	keyAttributes = "attributes"
)

// toPayload converts an item's payload. Numbers of every Go kind (and json.Number) are
// stored as doubles so that numeric filters compare them uniformly; NaN and Inf, which JSON
// cannot carry and package cond does not count as numbers, are stored as null. Lists are
// what cond.List calls lists.
func toPayload(id string, p index.Payload) (map[string]*qdrant.Value, error) {
	cats := make([]*qdrant.Value, len(p.Categories))
	for i, c := range p.Categories {
		cats[i] = qdrant.NewValueString(c)
	}
	out := map[string]*qdrant.Value{
		keyID:         qdrant.NewValueString(id),
		keyCategories: qdrant.NewValueFromList(cats...),
		keyAvailable:  qdrant.NewValueBool(p.Available),
	}
	if len(p.Attributes) > 0 {
		fields := make(map[string]*qdrant.Value, len(p.Attributes))
		for k, v := range p.Attributes {
			qv, err := toValue(v)
			if err != nil {
				return nil, fmt.Errorf("item %s: attribute %s: %w", id, k, err)
			}
			fields[k] = qv
		}
		out[keyAttributes] = qdrant.NewValueFromFields(fields)
	}
	return out, nil
}

func toValue(v any) (*qdrant.Value, error) {
	switch x := v.(type) {
	case nil:
		return qdrant.NewValueNull(), nil
	case string:
		return qdrant.NewValueString(x), nil
	case bool:
		return qdrant.NewValueBool(x), nil
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return number(f), nil
		}
		return qdrant.NewValueString(x.String()), nil
	case map[string]any:
		fields := make(map[string]*qdrant.Value, len(x))
		for k, e := range x {
			qv, err := toValue(e)
			if err != nil {
				return nil, err
			}
			fields[k] = qv
		}
		return qdrant.NewValueFromFields(fields), nil
	}
	if k := reflect.ValueOf(v).Kind(); k == reflect.Float32 || k == reflect.Float64 {
		return number(reflect.ValueOf(v).Float()), nil // NaN and Inf become null
	}
	if f, ok := cond.Number(v); ok {
		return number(f), nil
	}
	if elems, ok := cond.List(v); ok {
		list := make([]*qdrant.Value, len(elems))
		for i, e := range elems {
			qv, err := toValue(e)
			if err != nil {
				return nil, err
			}
			list[i] = qv
		}
		return qdrant.NewValueFromList(list...), nil
	}
	return nil, recd.Invalid("attributes", fmt.Sprintf("unsupported attribute type %T", v))
}

func number(f float64) *qdrant.Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return qdrant.NewValueNull()
	}
	return qdrant.NewValueDouble(f)
}

// payloadID returns the original item id kept in a point's payload.
func payloadID(p map[string]*qdrant.Value) (string, bool) {
	v, ok := p[keyID]
	if !ok {
		return "", false
	}
	s, ok := v.GetKind().(*qdrant.Value_StringValue)
	if !ok {
		return "", false
	}
	return s.StringValue, true
}
