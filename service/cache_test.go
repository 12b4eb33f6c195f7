package service_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/service"
)

// TestService_ResponseCache: a repeated request is answered from the response cache with the
// response the pipeline computes for it (what a client reads: items, scores, titles, reasons,
// strategy, model, scorer), and the user's next event or a catalog change makes the
// next request run the pipeline again.
func TestService_ResponseCache(t *testing.T) {
	ctx := context.Background()
	idx, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	svc := smallService(t, idx, func(*service.Options) {})
	hits := func() float64 { return value(svc.Metrics.CacheHits) }
	zero := 0.0
	plain := service.RecommendRequest{UserID: "u5", N: 5}
	computed := plain
	computed.ExposureStrength = &zero // the default value, but never cached
	check := func(wantHit bool) {
		t.Helper()
		h := hits()
		got, err := svc.Recommend(ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		if hit := hits() > h; hit != wantHit {
			t.Errorf("answered from the cache: %v, want %v", hit, wantHit)
		}
		want, err := svc.Recommend(ctx, computed)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got.Items), ids(want.Items)) {
			t.Errorf("answer %v, the pipeline computes %v", ids(got.Items), ids(want.Items))
		}
		got.RecommendationID, want.RecommendationID = "", "" // one per serving
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("answer\n%s\nthe pipeline computes\n%s", g, w)
		}
	}
	check(false)
	check(true)
	if _, err := svc.AddEvents(ctx, []recd.Event{{UserID: "u5", ItemID: "i33", Type: "purchase"}}); err != nil {
		t.Fatal(err)
	}
	check(false) // the user's event
	check(true)
	if err := svc.PutItems(ctx, []recd.Item{{ID: "i0", Title: "space space", Available: false}}); err != nil {
		t.Fatal(err)
	}
	check(false) // a catalog change
}
