package service_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/redisstate"
	"github.com/recd/recd/redisstate/redistest"
	"github.com/recd/recd/service"
)

func TestService_Precomputed(t *testing.T) {
	ctx := context.Background()
	rc, prefix := redistest.Client(t)
	svc := openShared(t, rc, prefix, func(o *service.Options) { o.CacheSize = 0 })
	hits := func() float64 { return value(svc.Metrics.Precomputed.WithLabelValues("hit")) }
	misses := func() float64 { return value(svc.Metrics.Precomputed.WithLabelValues("miss")) }
	users := []string{"u02", "u03", "u04"}
	for _, u := range users { // active users: an event each
		if _, err := svc.AddEvents(ctx, []recd.Event{{UserID: u, ItemID: "drama-01", Type: "view"}}); err != nil {
			t.Fatal(err)
		}
	}
	plain := service.RecommendRequest{UserID: "u02", N: 10}
	zero := 0.0
	computed := plain
	computed.Diversity = &zero // the default value, but not a plain request: always computed

	if _, err := svc.Recommend(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if hits() != 0 || misses() != 1 {
		t.Fatalf("before precomputation: hits %v misses %v, want 0, 1", hits(), misses())
	}
	n, err := svc.PrecomputeActive(ctx)
	if err != nil || n != len(users) {
		t.Fatalf("PrecomputeActive: %d, %v; want %d", n, err, len(users))
	}

	t.Run("a plain request is served from the precomputed list, equal to the computed one", func(t *testing.T) {
		got, err := svc.Recommend(ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		if hits() != 1 {
			t.Fatalf("hits %v, want 1", hits())
		}
		want, _ := svc.Recommend(ctx, computed)
		if !slices.Equal(ids(got.Items), ids(want.Items)) || got.Strategy != want.Strategy || got.ModelVersion != want.ModelVersion {
			t.Errorf("precomputed %v (%s %s), computed %v (%s %s)", ids(got.Items), got.Strategy, got.ModelVersion,
				ids(want.Items), want.Strategy, want.ModelVersion)
		}
		short, _ := svc.Recommend(ctx, service.RecommendRequest{UserID: "u02", N: 4})
		if hits() != 2 || !slices.Equal(ids(short.Items), ids(got.Items)[:4]) {
			t.Errorf("n=4: hits %v, list %v; want a hit with the first four of %v", hits(), ids(short.Items), ids(got.Items))
		}
	})
	t.Run("requests with knobs, sessions or a larger n are not", func(t *testing.T) {
		h, m := hits(), misses()
		svc.Recommend(ctx, computed)
		svc.Recommend(ctx, service.RecommendRequest{UserID: "u02", SessionID: "s1", N: 10})
		if hits() != h || misses() != m {
			t.Errorf("non-plain requests counted: hits %v→%v misses %v→%v", h, hits(), m, misses())
		}
		svc.Recommend(ctx, service.RecommendRequest{UserID: "u02", N: 20})
		if hits() != h || misses() != m+1 {
			t.Errorf("n=20 beyond the precomputed 10: hits %v→%v misses %v→%v; want a miss", h, hits(), m, misses())
		}
	})
	t.Run("the user's new event invalidates it, the next round restores it", func(t *testing.T) {
		if _, err := svc.AddEvents(ctx, clicks("u02", "western-05")); err != nil {
			t.Fatal(err)
		}
		h, m := hits(), misses()
		fresh, _ := svc.Recommend(ctx, plain)
		if hits() != h || misses() != m+1 {
			t.Fatalf("after an event: hits %v→%v misses %v→%v; want a miss", h, hits(), m, misses())
		}
		if slices.Contains(ids(fresh.Items), "western-05") {
			t.Errorf("the item just clicked is recommended: %v", ids(fresh.Items))
		}
		other, _ := svc.Recommend(ctx, service.RecommendRequest{UserID: "u03", N: 10})
		if hits() != h+1 {
			t.Errorf("another user's list was invalidated too (%v)", ids(other.Items))
		}
		if _, err := svc.PrecomputeActive(ctx); err != nil {
			t.Fatal(err)
		}
		again, _ := svc.Recommend(ctx, plain)
		if hits() != h+2 || !slices.Equal(ids(again.Items), ids(fresh.Items)) {
			t.Errorf("after the next round: hits %v (want %v), list %v vs computed %v", hits(), h+2, ids(again.Items), ids(fresh.Items))
		}
	})
	t.Run("a new item leaves the lists valid, a replaced one invalidates every list", func(t *testing.T) {
		if err := svc.PutItems(ctx, []recd.Item{{ID: "comedy-new", Title: "new comedy", Categories: []string{"comedy"}, Available: true}}); err != nil {
			t.Fatal(err)
		}
		h := hits()
		svc.Recommend(ctx, service.RecommendRequest{UserID: "u03", N: 10})
		if hits() != h+1 {
			t.Errorf("a new item invalidated the precomputed lists")
		}
		if err := svc.PutItems(ctx, []recd.Item{{ID: "drama-30", Title: "gone", Categories: []string{"drama"}, Available: false}}); err != nil {
			t.Fatal(err)
		}
		svc.Recommend(ctx, service.RecommendRequest{UserID: "u03", N: 10})
		if hits() != h+1 {
			t.Errorf("served a list precomputed before an item was replaced")
		}
	})
	t.Run("off by configuration", func(t *testing.T) {
		rc, prefix := redistest.Client(t)
		off := openShared(t, rc, prefix, func(o *service.Options) { o.Shared.Precompute = false })
		if n, err := off.PrecomputeActive(ctx); n != 0 || err != nil {
			t.Errorf("PrecomputeActive with precomputation off: %d, %v", n, err)
		}
	})
}

// TestService_NewModelIsAnnouncedAndPrecomputed: after a replica installs a new model, the
// others are told its version and the active users' lists are precomputed for it, without
// waiting for the next scheduled round.
func TestService_NewModelIsAnnouncedAndPrecomputed(t *testing.T) {
	ctx := context.Background()
	rc, prefix := redistest.Client(t)
	models := make(chan string, 10)
	fast := func(o *service.Options) { o.Shared.FlushInterval = 5 * time.Millisecond }
	a := openShared(t, rc, prefix, fast)
	b := openShared(t, rc, prefix, func(o *service.Options) {
		fast(o)
		o.OnRemoteChange = func(kind, id string) {
			if kind == "model" {
				models <- id
			}
		}
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	for _, s := range []*service.Service{a, b} {
		go func() { s.RunSharedState(runCtx); done <- struct{}{} }()
	}
	defer func() { stop(); <-done; <-done }()
	if _, err := a.AddEvents(ctx, clicks("u10", "drama-03")); err != nil {
		t.Fatal(err)
	}
	check, _ := redisstate.New(rc, redisstate.Options{Prefix: prefix})
	// The subscription starts asynchronously: train until B hears of a version.
	deadline := time.Now().Add(60 * time.Second)
	var version string
	for version == "" {
		info, err := a.Train(ctx)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case v := <-models:
			if v != info.Version {
				t.Fatalf("B was told of version %q, A installed %q", v, info.Version)
			}
			version = v
		case <-time.After(200 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("B was not told of A's new model")
			}
		}
	}
	for {
		us, err := check.ReadUser(ctx, "u10", "", true)
		if err == nil && us.Precomputed != nil && us.Precomputed.Version == version && us.Precomputed.Gen == us.Gen {
			if len(us.Precomputed.Resp.Items) != 10 {
				t.Errorf("precomputed list of %d items", len(us.Precomputed.Resp.Items))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no list precomputed for version %s: %+v, %v", version, us.Precomputed, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
