package hnsw

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/recd/recd/index"
)

// BenchmarkIndex_Build builds an index of n clustered 64-d vectors per iteration, in
// batches of 5,000 as recd ingest writes them, on Options.Workers = GOMAXPROCS.
func BenchmarkIndex_Build(b *testing.B) {
	for _, n := range []int{20_000, 50_000} {
		data := clustered(1, n, 64)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				ix, err := New(DefaultOptions())
				if err != nil {
					b.Fatal(err)
				}
				if err := ix.CreateSpace(ctx, index.SpaceConfig{Name: "v", Dim: 64, Metric: index.Cosine}); err != nil {
					b.Fatal(err)
				}
				for lo := 0; lo < n; lo += 5000 {
					hi := min(n, lo+5000)
					pts := make([]index.Point, 0, hi-lo)
					for i := lo; i < hi; i++ {
						pts = append(pts, index.Point{ID: strconv.Itoa(i), Vectors: map[string][]float32{"v": data[i*64 : (i+1)*64]}})
					}
					if err := ix.Upsert(ctx, pts); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "vec/s")
		})
	}
}
