package service_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/service"
)

// BenchmarkRecommend_AfterEvent is the read path's cost under a stream of events: each
// iteration adds one click of a random item for one of the bundled data's 610 users (in
// turn) and then asks for that user's recommendations, so the response cache never
// answers and the per-user source cache answers as it would under load. It reports the
// pair's p50 and p99 latency.
func BenchmarkRecommend_AfterEvent(b *testing.B) {
	s, d := movieLens(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := strconv.Itoa(1 + i%610)
		it := d.Items[rng.IntN(len(d.Items))].ID
		start := time.Now()
		if _, err := s.AddEvents(ctx, []recd.Event{{UserID: u, ItemID: it, Type: "click"}}); err != nil {
			b.Fatal(err)
		}
		resp, err := s.Recommend(ctx, service.RecommendRequest{UserID: u, N: 10})
		lat = append(lat, time.Since(start))
		if err != nil || len(resp.Items) != 10 {
			b.Fatalf("%v, %d items", err, len(resp.Items))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
