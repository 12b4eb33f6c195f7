package qdrant_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
)

func TestIndex_Upsert(t *testing.T) {
	ctx := context.Background()
	opts := testOptions(t)
	opts.Spaces = []index.SpaceConfig{{Name: "a", Dim: 2, Metric: index.Dot}, {Name: "b", Dim: 2, Metric: index.Dot}}
	ix := open(t, opts)
	t.Run("unsupported attribute rejects the whole call", func(t *testing.T) {
		good := index.Point{ID: "g", Vectors: map[string][]float32{"a": {1, 0}}}
		bad := index.Point{ID: "h", Vectors: map[string][]float32{"a": {1, 0}}, Payload: index.Payload{Attributes: map[string]any{"t": time.Now()}}}
		if err := ix.Upsert(ctx, []index.Point{good, bad}); !errors.Is(err, recd.ErrInvalid) {
			t.Fatalf("Upsert = %v, want ErrInvalid", err)
		}
		if vs, err := ix.Vectors(ctx, "a", []string{"g", "h"}); err != nil || len(vs) != 0 {
			t.Fatalf("Vectors after a rejected upsert = %v, %v; want none", vs, err)
		}
	})
	t.Run("payload-only point updates every space", func(t *testing.T) {
		err := ix.Upsert(ctx, []index.Point{{ID: "x", Vectors: map[string][]float32{"a": {1, 0}, "b": {0, 1}}, Payload: index.Payload{Available: false}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.Upsert(ctx, []index.Point{{ID: "x", Payload: index.Payload{Available: true, Attributes: map[string]any{"year": int64(2001)}}}}); err != nil {
			t.Fatal(err)
		}
		f := &index.Filter{AvailableOnly: true, Conditions: []index.Condition{{Field: "year", Op: "eq", Value: 2001}}}
		for _, s := range []string{"a", "b"} {
			hits, err := ix.Search(ctx, index.SearchRequest{Space: s, Vector: []float32{1, 1}, K: 5, Filter: f})
			if err != nil || len(hits) != 1 || hits[0].ID != "x" {
				t.Errorf("space %s: %v, %v; want [x] with the new payload", s, hits, err)
			}
		}
	})
	t.Run("duplicates in a call behave like sequential writes", func(t *testing.T) {
		err := ix.Upsert(ctx, []index.Point{
			{ID: "d", Vectors: map[string][]float32{"a": {1, 0}, "b": {0, 7}}, Payload: index.Payload{Categories: []string{"first"}}},
			{ID: "d", Vectors: map[string][]float32{"a": {5, 0}}, Payload: index.Payload{Categories: []string{"second"}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]float32{"a": {5, 0}, "b": {0, 7}}
		for s, w := range want {
			vs, err := ix.Vectors(ctx, s, []string{"d"})
			if err != nil || len(vs["d"]) != 2 || vs["d"][0] != w[0] || vs["d"][1] != w[1] {
				t.Errorf("Vectors(%s, d) = %v, %v; want %v", s, vs, err, w)
			}
			hits, err := ix.Search(ctx, index.SearchRequest{Space: s, Vector: []float32{1, 1}, K: 5, Filter: &index.Filter{Categories: []string{"second"}}})
			if err != nil || len(hits) != 1 || hits[0].ID != "d" {
				t.Errorf("space %s filtered on the last payload = %v, %v; want [d]", s, hits, err)
			}
		}
	})
}
