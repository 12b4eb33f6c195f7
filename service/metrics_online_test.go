package service

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/recd/recd"
	"github.com/recd/recd/online"
	"github.com/recd/recd/store"
)

// The online counters count served lists by route, strategy and variant, and the stored
// clicks and purchases attributed to them by the list's labels and the click's position;
// the service's fold answers the same lists and clicks.
func TestService_OnlineCountersAndFold(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	rec, err := s.Recommend(ctx, RecommendRequest{UserID: "u01", N: 5})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := s.Similar(ctx, "i00", 3, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	pos := 2
	events := []recd.Event{
		{UserID: "u01", ItemID: rec.Items[2].ID, Type: recd.EventClick, RecommendationID: rec.RecommendationID},
		{UserID: "u01", ItemID: rec.Items[2].ID, Type: recd.EventPurchase, RecommendationID: rec.RecommendationID},
		{UserID: "u02", ItemID: sim.Items[0].ID, Type: recd.EventClick, RecommendationID: sim.RecommendationID},
		{UserID: "u01", ItemID: rec.Items[2].ID, Type: recd.EventView, RecommendationID: rec.RecommendationID, Position: &pos},
	}
	if _, err := s.AddEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	c := s.Metrics.Online
	for _, tc := range []struct {
		name string
		got  float64
		want float64
	}{
		{"impressions recommend", counterValue(c.Impressions.WithLabelValues(RouteRecommend, rec.Strategy, "none")), 1},
		{"items recommend", counterValue(c.ImpressedItems.WithLabelValues(RouteRecommend, rec.Strategy, "none")), float64(len(rec.Items))},
		{"impressions similar", counterValue(c.Impressions.WithLabelValues(RouteSimilar, sim.Strategy, "none")), 1},
		{"clicks recommend", counterValue(c.Clicks.WithLabelValues(RouteRecommend, rec.Strategy, "none")), 1},
		{"conversions recommend", counterValue(c.Conversions.WithLabelValues(RouteRecommend, rec.Strategy, "none")), 1},
		{"clicks similar", counterValue(c.Clicks.WithLabelValues(RouteSimilar, sim.Strategy, "none")), 1},
		{"clicks at 2", counterValue(c.ClicksByPos.WithLabelValues(RouteRecommend, "2")), 1},
		{"clicks at 0", counterValue(c.ClicksByPos.WithLabelValues(RouteSimilar, "0")), 1},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}

	if err := s.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	res, err := s.OnlineMetrics(ctx, online.Query{From: now.Add(-time.Hour), To: now.Add(time.Minute), GroupBy: online.ByRoute}, 5)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]online.Metrics{}
	for _, g := range res.Groups {
		got[g.Key] = g.Metrics
	}
	r, sm := got[RouteRecommend], got[RouteSimilar]
	if r.Lists != 1 || r.Clicks != 1 || r.Conversions != 1 || r.PositionCTR[2] != 1 || r.MRR != 1.0/3 ||
		r.Coverage == nil || r.Novelty == nil || r.ModelAgeSeconds == nil || r.NewItemsWeek == nil {
		t.Errorf("recommend group = %+v; want one list clicked and bought at 2, with coverage, novelty and freshness", r)
	}
	if sm.Lists != 1 || sm.Clicks != 1 || sm.Users != 1 {
		t.Errorf("similar group = %+v; want one anonymous list clicked once by u02", sm)
	}
}

func TestPositionBucket(t *testing.T) {
	for p, want := range map[int]string{0: "0", 1: "1", 2: "2", 3: "3-4", 4: "3-4", 5: "5-9", 9: "5-9", 10: "10-19", 19: "10-19", 20: "20+", 500: "20+"} {
		if got := positionBucket(p); got != want {
			t.Errorf("positionBucket(%d) = %q, want %q", p, got, want)
		}
	}
}

// However many strategies and variants lists come with, each label takes a bounded number of
// values, the rest counted as other.
func TestOnlineCounters_LabelsBounded(t *testing.T) {
	c := newOnlineCounters()
	for i := range 1000 {
		im := store.Impression{Route: fmt.Sprintf("r%d", i), Strategy: fmt.Sprintf("s%d", i), Variant: fmt.Sprintf("v%d", i),
			Items: make([]store.ImpressionItem, 1)}
		c.served(&im)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c.Impressions)
	fams, err := reg.Gather()
	if err != nil || len(fams) != 1 {
		t.Fatalf("gather: %v", err)
	}
	if n := len(fams[0].GetMetric()); n > maxStrategyLabels+1 {
		t.Errorf("%d impression series after 1000 made-up strategies and variants, want at most %d", n, maxStrategyLabels+1)
	}
	if got := counterValue(c.Impressions.WithLabelValues("other", "other", "other")); got != 1000-maxStrategyLabels {
		t.Errorf("other series = %v, want %d", got, 1000-maxStrategyLabels)
	}
}
