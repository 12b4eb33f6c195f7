package service

import (
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// filled sets every field of v (a pointer), recursively, to a value of its own: strings name
// their path, numbers count, slices hold two elements. Pointers other than to the types the
// cache encodes are left nil (Features, which the cache does not keep).
func filled(t *testing.T, v reflect.Value, path string, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s·%d·é", path, *n))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Int:
		v.SetInt(int64(*n))
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			filled(t, v.Index(i), fmt.Sprintf("%s[%d]", path, i), n)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.Name == "Features" {
				continue
			}
			filled(t, v.Field(i), path+"."+f.Name, n)
		}
	default:
		t.Fatalf("%s: a %s field the test cannot fill; does the cache encode it?", path, v.Kind())
	}
}

// TestResponseCodec_RoundTrip: every field of a response but its feature rows comes back as
// it went in (a field added to Response, Recommendation or Reason fails here until the codec
// carries it), nil and empty slices stay apart, and no prefix of a body decodes.
func TestResponseCodec_RoundTrip(t *testing.T) {
	var full rank.Response
	n := 0
	filled(t, reflect.ValueOf(&full).Elem(), "resp", &n)
	sparse := rank.Response{Items: []recd.Recommendation{
		{ID: "a", Reasons: []recd.Reason{}},
		{ID: "", Score: math.Copysign(0, -1), Reasons: nil},
		{ID: "c", Reasons: []recd.Reason{{Type: "popular", Items: []string{}}, {Items: nil}}},
	}, HistoryCut: -3}
	for name, resp := range map[string]rank.Response{"full": full, "sparse": sparse, "empty items": {Items: []recd.Recommendation{}}, "zero": {}} {
		body := encodeResponse(nil, &resp)
		got, err := decodeResponse(body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, resp) {
			t.Fatalf("%s: decoded\n%#v\nwant\n%#v", name, got, resp)
		}
		for k := range body {
			if _, err := decodeResponse(body[:k]); err == nil {
				t.Fatalf("%s: the body's first %d of %d bytes decode", name, k, len(body))
			}
		}
		if _, err := decodeResponse(append(body, 0)); err == nil {
			t.Fatalf("%s: a body with a byte after its end decodes", name)
		}
	}
}

func BenchmarkResponseCache_Hit(b *testing.B) {
	resp := rank.Response{Strategy: "personalized", ModelVersion: "v20261205-1", Scorer: "ranker"}
	for i := range 10 {
		resp.Items = append(resp.Items, recd.Recommendation{ID: fmt.Sprintf("item%d", i), Score: 0.9 - float64(i)/100,
			Title: fmt.Sprintf("A film title of some length (%d)", 1990+i), Reasons: []recd.Reason{
				{Type: "similar_to", Items: []string{"item42", "item43"}, Source: "itemknn", Text: "Because you liked A and B"},
				{Type: "popular", Source: "popular", Text: "Popular right now"}}})
	}
	c := newRespCache(10, 1<<62)
	c.put("k", "v", 1, 0, resp)
	b.ReportAllocs()
	for range b.N {
		if _, ok := c.get("k", "v", 1); !ok {
			b.Fatal("miss")
		}
	}
}
