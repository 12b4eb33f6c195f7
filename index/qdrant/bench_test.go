package qdrant_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/recd/recd/index"
)

func randPoints(r *rand.Rand, n, dim int) []index.Point {
	pts := make([]index.Point, n)
	for i := range pts {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		pts[i] = index.Point{ID: fmt.Sprintf("i%d", i), Vectors: map[string][]float32{"v": v},
			Payload: index.Payload{Categories: []string{fmt.Sprint("c", i%5)}, Available: i%3 != 0, Attributes: map[string]any{"year": 1950 + i%70}}}
	}
	return pts
}

// BenchmarkIndex_Search measures one filtered search through the backend and gRPC against
// the double (or the real Qdrant at QDRANT_ADDR): request building, the round trip, and
// decoding. Against the double the server side is an exact scan of 2000 vectors.
func BenchmarkIndex_Search(b *testing.B) {
	ctx := context.Background()
	ix := openBench(b)
	r := rand.New(rand.NewPCG(1, 2))
	if err := ix.Upsert(ctx, randPoints(r, 2000, 32)); err != nil {
		b.Fatal(err)
	}
	q := randPoints(r, 1, 32)[0].Vectors["v"]
	for _, c := range []struct {
		name   string
		filter *index.Filter
	}{
		{"unfiltered", nil},
		// The double evaluates filters by walking every point's protobuf payload, which
		// dominates this case; a real Qdrant uses its payload indexes.
		{"filtered", &index.Filter{AvailableOnly: true, Conditions: []index.Condition{{Field: "year", Op: "gte", Value: 1980}}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := index.SearchRequest{Space: "v", Vector: q, K: 10, Filter: c.filter}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ix.Search(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIndex_Upsert measures writing 1000 points (4 batches of 256, concurrently) into
// one space.
func BenchmarkIndex_Upsert(b *testing.B) {
	ctx := context.Background()
	ix := openBench(b)
	pts := randPoints(rand.New(rand.NewPCG(3, 4)), 1000, 32)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := ix.Upsert(ctx, pts); err != nil {
			b.Fatal(err)
		}
	}
}
