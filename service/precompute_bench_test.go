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
// bundled MovieLens data, over 200 users in turn, with the response cache off. A computed
// list costs very different amounts depending on the per-user source cache, so each
// computed arm names its state:
//
//	computed-cold/in-process     no Redis, source cache off: every request computes every
//	                             candidate source, as a user's first request does
//	computed-cached/in-process   no Redis, source cache on and warmed by one request per
//	                             user: a request reuses the user's sources and only blends,
//	                             filters and re-ranks them
//	computed-cold/redis          Redis configured, no precomputed list, source cache off:
//	                             one Redis round trip + the cold pipeline
//	computed-cached/redis        the same with the warmed source cache
//	precomputed                  served from Redis: one round trip + decoding the stored list
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
	cold := o
	cold.Sources.Size = 0
	localCold, err := service.New(ctx, st, cold)
	if err != nil {
		b.Fatal(err)
	}
	o.Redis, o.RedisPrefix = rc, prefix
	o.Shared.PrecomputeUsers = 1000
	shared, err := service.New(ctx, st, o)
	if err != nil {
		b.Fatal(err)
	}
	cold.Redis, cold.RedisPrefix, cold.Shared = o.Redis, o.RedisPrefix, o.Shared
	sharedCold, err := service.New(ctx, st, cold)
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
	request := func(b *testing.B, svc *service.Service, user string) {
		resp, err := svc.Recommend(ctx, service.RecommendRequest{UserID: user, N: 10})
		if err != nil || len(resp.Items) != 10 {
			b.Fatalf("%d items, %v", len(resp.Items), err)
		}
	}
	run := func(b *testing.B, svc *service.Service, warm bool) {
		if warm {
			for _, u := range users {
				request(b, svc, u)
			}
		}
		b.ReportAllocs()
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := range b.N {
			t0 := time.Now()
			request(b, svc, users[i%len(users)])
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
	hits := func(svc *service.Service) float64 { return value(svc.Metrics.Precomputed.WithLabelValues("hit")) }
	b.Run("computed-cold/in-process", func(b *testing.B) { run(b, localCold, false) })
	b.Run("computed-cached/in-process", func(b *testing.B) { run(b, local, true) })
	for _, arm := range []struct {
		name string
		svc  *service.Service
		warm bool
	}{{"computed-cold/redis", sharedCold, false}, {"computed-cached/redis", shared, true}} {
		b.Run(arm.name, func(b *testing.B) {
			h := hits(arm.svc)
			run(b, arm.svc, arm.warm)
			if hits(arm.svc) != h {
				b.Fatal("served from precomputed lists")
			}
		})
	}
	if n, err := shared.PrecomputeActive(ctx); err != nil || n != len(users) {
		b.Fatalf("PrecomputeActive: %d, %v", n, err)
	}
	b.Run("precomputed", func(b *testing.B) {
		h := hits(shared)
		run(b, shared, false)
		if hits(shared)-h != float64(b.N) {
			b.Fatalf("%v of %d requests served from precomputed lists", hits(shared)-h, b.N)
		}
	})
}
