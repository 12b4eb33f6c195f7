package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/dataset"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/redisstate/redistest"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store/sqlite"
)

// BenchmarkRecommend_Precomputed compares a user's default list (n=10) served from the
// precomputed lists in Redis with the same list computed by the default pipeline, on the
// bundled MovieLens data, over 200 users in turn, with the response cache off:
//
//	computed/in-process  no Redis: the pipeline alone
//	computed/redis       Redis configured, no precomputed list: one Redis round trip + pipeline
//	precomputed          served from Redis: one round trip + decoding the stored list
//
// It reports p50 and p99 latencies besides ns/op.
func BenchmarkRecommend_Precomputed(b *testing.B) {
	rc, prefix := redistest.Client(b)
	ctx := context.Background()
	dir := b.TempDir()
	data, err := dataset.ReadMovieLens("../examples/ml-latest-small")
	if err != nil {
		b.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(dir, "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	idx, err := hnsw.Open(filepath.Join(dir, "index"), hnsw.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	o := service.DefaultOptions()
	o.Index, o.StateDir, o.CacheSize = idx, filepath.Join(dir, "index"), 0
	local, err := service.New(ctx, st, o)
	if err != nil {
		b.Fatal(err)
	}
	if err := local.PutItems(ctx, data.Items[:5000]); err != nil {
		b.Fatal(err)
	}
	if err := local.PutItems(ctx, data.Items[5000:]); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(data.Events); i += 10000 {
		if _, err := local.AddEvents(ctx, append([]recd.Event(nil), data.Events[i:min(i+10000, len(data.Events))]...)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := local.Train(ctx); err != nil {
		b.Fatal(err)
	}
	if err := local.SaveIndex(ctx); err != nil {
		b.Fatal(err)
	}
	o.Redis, o.RedisPrefix = rc, prefix
	o.Shared.PrecomputeUsers = 1000
	shared, err := service.New(ctx, st, o)
	if err != nil {
		b.Fatal(err)
	}
	users := make([]string, 200)
	for i := range users {
		users[i] = fmt.Sprint(i + 1)
		// an event each makes them active (and changes nothing the comparison depends on)
		if _, err := shared.AddEvents(ctx, []recd.Event{{UserID: users[i], ItemID: "1", Type: "view",
			Timestamp: time.Now().Add(-time.Hour)}}); err != nil {
			b.Fatal(err)
		}
	}
	run := func(b *testing.B, svc *service.Service) {
		b.ReportAllocs()
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			t0 := time.Now()
			resp, err := svc.Recommend(ctx, service.RecommendRequest{UserID: users[i%len(users)], N: 10})
			lat = append(lat, time.Since(t0))
			if err != nil || len(resp.Items) != 10 {
				b.Fatalf("%d items, %v", len(resp.Items), err)
			}
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
	hits := func() float64 { return value(shared.Metrics.Precomputed.WithLabelValues("hit")) }
	b.Run("computed/in-process", func(b *testing.B) { run(b, local) })
	b.Run("computed/redis", func(b *testing.B) {
		h := hits()
		run(b, shared)
		if hits() != h {
			b.Fatal("served from precomputed lists")
		}
	})
	if n, err := shared.PrecomputeActive(ctx); err != nil || n != len(users) {
		b.Fatalf("PrecomputeActive: %d, %v", n, err)
	}
	b.Run("precomputed", func(b *testing.B) {
		h := hits()
		run(b, shared)
		if hits()-h != float64(b.N) {
			b.Fatalf("%v of %d requests served from precomputed lists", hits()-h, b.N)
		}
	})
}
