package qdrant_test

import (
	"context"
	"math"
	"testing"

	"github.com/recd/recd/index"
	rq "github.com/recd/recd/index/qdrant"
)

func TestIndex_Recommend(t *testing.T) {
	ctx := context.Background()
	ix := open(t, testOptions(t))
	if err := ix.CreateSpace(ctx, index.SpaceConfig{Name: "v", Dim: 2, Metric: index.Dot}); err != nil {
		t.Fatal(err)
	}
	vecs := map[string][]float32{"a": {1, 0}, "b": {0, 1}, "d": {1, -1}, "e": {-1, 0}, "f": {0.5, 0.5}}
	var pts []index.Point
	for id, v := range vecs {
		pts = append(pts, index.Point{ID: id, Vectors: map[string][]float32{"v": v}})
	}
	if err := ix.Upsert(ctx, pts); err != nil {
		t.Fatal(err)
	}
	type hit = index.Hit
	cases := []struct {
		name string
		req  rq.RecommendRequest
		want []hit
	}{
		// query = 2*avg(pos) - avg(neg) = (2,-1); the examples are not returned.
		{"positive and negative", rq.RecommendRequest{Positive: []string{"a"}, Negative: []string{"b"}, K: 10},
			[]hit{{ID: "d", Score: 3}, {ID: "f", Score: 0.5}, {ID: "e", Score: -2}}},
		// query = avg(pos) = (1,0)
		{"positive only", rq.RecommendRequest{Positive: []string{"a"}, K: 2},
			[]hit{{ID: "d", Score: 1}, {ID: "f", Score: 0.5}}},
		// query = avg(a, f) = (0.75, 0.25): d scores 0.5, b 0.25, e -0.75
		{"two positives", rq.RecommendRequest{Positive: []string{"a", "f"}, K: 2},
			[]hit{{ID: "d", Score: 0.5}, {ID: "b", Score: 0.25}}},
		{"filter", rq.RecommendRequest{Positive: []string{"a"}, Negative: []string{"b"}, K: 10, Filter: &index.Filter{Deny: []string{"d"}}},
			[]hit{{ID: "f", Score: 0.5}, {ID: "e", Score: -2}}},
		{"missing examples are ignored", rq.RecommendRequest{Positive: []string{"a", "zz"}, Negative: []string{"yy"}, K: 1},
			[]hit{{ID: "d", Score: 1}}},
		{"no positive example left", rq.RecommendRequest{Positive: []string{"zz"}, K: 3}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.Space = "v"
			got, err := ix.Recommend(ctx, c.req)
			if err != nil {
				t.Fatalf("Recommend: %v", err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i].ID != c.want[i].ID || math.Abs(float64(got[i].Score-c.want[i].Score)) > 1e-5 {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
	t.Run("bad requests", func(t *testing.T) {
		if _, err := ix.Recommend(ctx, rq.RecommendRequest{Space: "nope", Positive: []string{"a"}, K: 1}); err == nil {
			t.Error("unknown space: no error")
		}
		if _, err := ix.Recommend(ctx, rq.RecommendRequest{Space: "v", Positive: []string{"a"}, K: 0}); err == nil {
			t.Error("k=0: no error")
		}
	})
}
