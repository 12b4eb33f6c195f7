package service_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/recd/recd"
	"github.com/recd/recd/redisstate"
	"github.com/recd/recd/redisstate/redistest"
	"github.com/recd/recd/service"
	"github.com/redis/go-redis/v9"
)

// TestService_SharedSessions: at the service level, an event sent to
// replica A changes replica B's next recommendation for that user, through the session and
// generation A wrote to the shared Redis (each replica has its own store here, so nothing else
// carries the event to B).
func TestService_SharedSessions(t *testing.T) {
	ctx := context.Background()
	rc, prefix := redistest.Client(t)
	a := openShared(t, rc, prefix, nil)
	b := openShared(t, rc, prefix, nil)
	req := service.RecommendRequest{UserID: "u01", N: 10} // u01 likes comedy
	before, err := b.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := b.Recommend(ctx, req)
	if hits := value(b.Metrics.CacheHits); hits != 1 || !slices.Equal(ids(again.Items), ids(before.Items)) {
		t.Fatalf("B's repeated request: cache hits %v, lists %v vs %v; want one hit, same list", hits, ids(again.Items), ids(before.Items))
	}
	horror := []string{"horror-03", "horror-07", "horror-11"}
	if _, err := a.AddEvents(ctx, clicks("u01", horror...)); err != nil {
		t.Fatal(err)
	}
	after, err := b.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(ids(after.Items), ids(before.Items)) {
		t.Fatalf("B's list did not change after A's events: %v", ids(after.Items))
	}
	if got := sessionReasonItems(after); !has(got, horror...) {
		t.Errorf("B's list has no session reason naming A's clicks (reasons name %v): %v", got, ids(after.Items))
	}
	if err := b.SharedStateErr(); err != nil {
		t.Errorf("shared state: %v", err)
	}

	t.Run("an anonymous session's clicks through A steer B's list for that session", func(t *testing.T) {
		evs := clicks("visitor-9", "western-04", "western-08", "western-12")
		for i := range evs {
			evs[i].SessionID = "s-9"
		}
		if _, err := a.AddEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
		resp, err := b.Recommend(ctx, service.RecommendRequest{SessionID: "s-9", N: 10})
		if err != nil {
			t.Fatal(err)
		}
		if got := sessionReasonItems(resp); !has(got, "western-04", "western-08", "western-12") {
			t.Errorf("B's list for session s-9 has no session reason naming A's clicks: %v", ids(resp.Items))
		}
	})
	t.Run("without Redis B does not see A's events", func(t *testing.T) {
		a := openShared(t, nil, "", nil)
		b := openShared(t, nil, "", nil)
		before, _ := b.Recommend(ctx, req)
		if _, err := a.AddEvents(ctx, clicks("u01", horror...)); err != nil {
			t.Fatal(err)
		}
		after, _ := b.Recommend(ctx, req)
		if !slices.Equal(ids(after.Items), ids(before.Items)) {
			t.Errorf("in-process replicas shared state: %v then %v", ids(before.Items), ids(after.Items))
		}
	})
}

// TestService_RedisStopped: with Redis killed mid-way, reads still answer from the in-process
// state and report the shared state unhealthy; writes stay durable; once Redis is back the
// service uses it again by itself and makes the generation bumps it missed.
func TestService_RedisStopped(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	defer rc.Close()
	const prefix = "stop:"
	svc := openShared(t, rc, prefix, func(o *service.Options) {
		o.Shared.RetryAfter, o.Shared.FlushInterval = 20*time.Millisecond, 10*time.Millisecond
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { svc.RunSharedState(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	check, err := redisstate.New(rc, redisstate.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddEvents(ctx, clicks("u05", "drama-02")); err != nil {
		t.Fatal(err)
	}
	before, _ := check.ReadUser(ctx, "u05", "", false)

	srv.Stop()
	horror := []string{"horror-01", "horror-02", "horror-09"}
	stored, err := svc.AddEvents(ctx, clicks("u05", horror...))
	if err != nil || len(stored) != 3 {
		t.Fatalf("write with Redis down: %v (%d stored); the store is durable, so it must succeed", err, len(stored))
	}
	resp, err := svc.Recommend(ctx, service.RecommendRequest{UserID: "u05", N: 10})
	if err != nil || len(resp.Items) != 10 {
		t.Fatalf("read with Redis down: %d items, %v", len(resp.Items), err)
	}
	if svc.SharedStateErr() == nil {
		t.Error("SharedStateErr is nil with Redis down")
	}
	if got := sessionReasonItems(resp); !has(got, horror...) {
		t.Errorf("the in-process session fallback lacks the clicks made while Redis was down: %v", got)
	}
	tr, err := svc.Trending(ctx, 5, nil)
	if err != nil || len(tr.Items) != 5 {
		t.Errorf("trending with Redis down: %d items, %v", len(tr.Items), err)
	}

	srv.Restart()
	deadline := time.Now().Add(20 * time.Second)
	for svc.SharedStateErr() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("shared state still failing 20 s after Redis came back: %v", svc.SharedStateErr())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The restarted Redis is empty; the bump missed during the outage is replayed, so a
	// replica's cached list from before cannot be served.
	for {
		after, err := check.ReadUser(ctx, "u05", "", false)
		if err == nil && after.Gen != 0 && after.Gen != before.Gen && after.Seq >= stored[2].Seq {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("missed generation bump not replayed: before %+v after %+v (%v)", before, after, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := svc.AddEvents(ctx, clicks("u05", "western-01")); err != nil {
		t.Fatal(err)
	}
	us, err := check.ReadUser(ctx, "u05", "", false)
	if err != nil || len(us.User) == 0 || us.User[0].ItemID != "western-01" {
		t.Errorf("after recovery the session is written to Redis again: %+v, %v", us.User, err)
	}
}

// TestService_OnRemoteChange: a replica is told of the other replicas' writes, not its own.
func TestService_OnRemoteChange(t *testing.T) {
	ctx := context.Background()
	rc, prefix := redistest.Client(t)
	got := make(chan [2]string, 100)
	a := openShared(t, rc, prefix, nil)
	b := openShared(t, rc, prefix, func(o *service.Options) {
		o.OnRemoteChange = func(kind, id string) { got <- [2]string{kind, id} }
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { b.RunSharedState(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	// The subscription starts asynchronously: write until the first change arrives.
	deadline := time.Now().Add(20 * time.Second)
	for first := false; !first; {
		if _, err := a.AddEvents(ctx, clicks("u06", "comedy-01")); err != nil {
			t.Fatal(err)
		}
		select {
		case c := <-got:
			if c != [2]string{"events", "u06"} {
				t.Fatalf("change %v, want events u06", c)
			}
			first = true
		case <-time.After(50 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("no change received")
			}
		}
	}
	for len(got) > 0 {
		<-got
	}
	if _, err := b.AddEvents(ctx, clicks("u07", "comedy-02")); err != nil { // B's own: not reported
		t.Fatal(err)
	}
	if err := a.PutItems(ctx, []recd.Item{{ID: "drama-new", Available: true}}); err != nil {
		t.Fatal(err)
	}
	if c := <-got; c != [2]string{"items", "drama-new"} {
		t.Errorf("change %v, want items drama-new (and nothing for B's own event)", c)
	}
}

// TestService_SharedTrending: the shared counter ranks as the in-process one does.
func TestService_SharedTrending(t *testing.T) {
	ctx := context.Background()
	rc, prefix := redistest.Client(t)
	shared := openShared(t, rc, prefix, nil)
	local := openShared(t, nil, "", nil)
	var evs []recd.Event
	base := time.Now().Add(-time.Hour).UTC()
	for i, id := range []string{"western-01", "western-02", "western-01", "drama-09", "western-01", "drama-09"} {
		evs = append(evs, recd.Event{UserID: "u09", ItemID: id, Type: "like", Timestamp: base.Add(time.Duration(i) * time.Minute)})
	}
	for _, s := range []*service.Service{shared, local} {
		if _, err := s.AddEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	got, err := shared.Trending(ctx, 3, []string{"western", "drama"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"western-01", "drama-09", "western-02"}; !slices.Equal(ids(got.Items), want) {
		t.Errorf("shared trending %v, want %v", ids(got.Items), want)
	}
	// The in-process one also holds the older store events; among these recent ones the
	// order agrees.
	lt, _ := local.Trending(ctx, 3, nil)
	if !slices.Equal(ids(lt.Items), ids(got.Items)) {
		t.Logf("in-process trending (with the store's history) %v", ids(lt.Items))
	}
}

// value reads a counter.
func value(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// TestService_SharedExposure: the impressions one replica sends reach the other's exposure
// counter (the one the amortised fairness boost reads), once each.
func TestService_SharedExposure(t *testing.T) {
	ctx := context.Background()
	rc, prefix := redistest.Client(t)
	fast := func(o *service.Options) {
		o.CacheSize = 0
		o.Shared.FlushInterval = 5 * time.Millisecond
		o.Shared.Precompute = false
	}
	a := openShared(t, rc, prefix, fast)
	b := openShared(t, rc, prefix, fast)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	for _, s := range []*service.Service{a, b} {
		go func() { s.RunSharedState(runCtx); done <- struct{}{} }()
	}
	defer func() { stop(); <-done; <-done }()
	var shownByA []string
	for range 20 {
		resp, err := a.Recommend(ctx, service.RecommendRequest{UserID: "u01", N: 10})
		if err != nil {
			t.Fatal(err)
		}
		shownByA = ids(resp.Items)
	}
	respB, err := b.Recommend(ctx, service.RecommendRequest{UserID: "u02", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	onlyB := ""
	for _, id := range ids(respB.Items) {
		if !slices.Contains(shownByA, id) {
			onlyB = id
			break
		}
	}
	if onlyB == "" {
		t.Fatalf("B's list %v is all in A's %v", ids(respB.Items), shownByA)
	}
	deadline := time.Now().Add(20 * time.Second)
	for b.ExposureCount(shownByA[0]) < 19.9 || a.ExposureCount(onlyB) < 0.99 {
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s: B counts %v impressions of %s (A sent 20); A counts %v of %s (B sent 1)",
				b.ExposureCount(shownByA[0]), shownByA[0], a.ExposureCount(onlyB), onlyB)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := b.ExposureCount(onlyB); got < 0.99 || got > 1.01 {
		t.Errorf("B counts %v impressions of its own item %s, want 1 (its own are not applied twice)", got, onlyB)
	}
	if got := a.ExposureCount(shownByA[0]); got > 20.01 {
		t.Errorf("A counts %v impressions of %s, want 20", got, shownByA[0])
	}
}
