package service

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

func impressionStore(t *testing.T, s *Service) store.Impressions {
	t.Helper()
	ims, ok := s.st.(store.Impressions)
	if !ok {
		t.Fatal("the SQLite store records no impressions")
	}
	return ims
}

// Every recommendation, similar-items and query answer carries its own id and is recorded, once
// flushed, with who it was for, what it showed and how it was made; a cached answer served
// again is a new serving with a new id.
func TestService_ServedListsAreRecorded(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	rec, err := s.Recommend(ctx, RecommendRequest{UserID: "u01", SessionID: "s1", N: 5})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Recommend(ctx, RecommendRequest{UserID: "u01", SessionID: "s1", N: 5})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := s.Similar(ctx, "i00", 3, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.Query(ctx, QueryRequest{Text: "comedy", UserID: "u02", N: 4})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{rec.RecommendationID, again.RecommendationID, sim.RecommendationID, q.RecommendationID}
	seen := map[string]bool{}
	for _, id := range ids {
		if !validRecommendationID(id) || seen[id] {
			t.Fatalf("recommendation ids %q: want distinct valid ids", ids)
		}
		seen[id] = true
	}
	if err := s.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	ims := impressionStore(t, s)
	for _, tc := range []struct {
		id, user, session, route, strategy string
		items                              []recd.Recommendation
	}{
		{rec.RecommendationID, "u01", "s1", RouteRecommend, rec.Strategy, rec.Items},
		{again.RecommendationID, "u01", "s1", RouteRecommend, again.Strategy, again.Items},
		{sim.RecommendationID, "", "", RouteSimilar, sim.Strategy, sim.Items},
		{q.RecommendationID, "u02", "", RouteQuery, q.Strategy, q.Items},
	} {
		got, err := ims.GetImpression(ctx, tc.id)
		if err != nil {
			t.Fatalf("GetImpression(%s): %v", tc.route, err)
		}
		if got.UserID != tc.user || got.SessionID != tc.session || got.Route != tc.route || got.Strategy != tc.strategy ||
			got.ModelVersion != rec.ModelVersion || time.Since(got.Time) > time.Minute {
			t.Errorf("%s impression = %+v, want user %q session %q strategy %q version %q", tc.route, got, tc.user,
				tc.session, tc.strategy, rec.ModelVersion)
		}
		if len(got.Items) != len(tc.items) {
			t.Fatalf("%s impression has %d items, served %d", tc.route, len(got.Items), len(tc.items))
		}
		for i, it := range got.Items {
			if it.ItemID != tc.items[i].ID || it.Position != i || it.Score != tc.items[i].Score {
				t.Errorf("%s impression item %d = %+v, served %+v", tc.route, i, it, tc.items[i])
			}
		}
	}
	if got := counterValue(s.Metrics.ImpressionsRecorded); got != 4 {
		t.Errorf("recd_impressions_recorded_total = %v, want 4", got)
	}
}

// A full queue drops the list (and counts it) rather than making the request wait; the
// answer still carries its id.
func TestImpressions_FullQueueDrops(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	s.read.imp.opts.QueueSize = 2
	var ids []string
	for range 3 {
		resp, err := s.Recommend(t.Context(), RecommendRequest{UserID: "u03", N: 3})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, resp.RecommendationID)
	}
	if got := counterValue(s.Metrics.ImpressionsDropped); got != 1 {
		t.Errorf("recd_impressions_dropped_total = %v, want 1", got)
	}
	if err := s.FlushImpressions(t.Context()); err != nil {
		t.Fatal(err)
	}
	ims := impressionStore(t, s)
	for i, id := range ids {
		_, err := ims.GetImpression(t.Context(), id)
		if dropped := errors.Is(err, store.ErrNotFound); dropped != (i == 2) {
			t.Errorf("list %d: GetImpression err = %v; want only the third dropped", i, err)
		}
	}
}

// The retention job deletes the impressions older than Feedback.Retention and keeps the rest.
func TestImpressions_Retention(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	ims := impressionStore(t, s)
	now := time.Now()
	old := store.Impression{ID: newRecommendationID(now.Add(-800 * time.Hour)), UserID: "u04", Route: RouteRecommend,
		Time: now.Add(-800 * time.Hour)}
	young := store.Impression{ID: newRecommendationID(now.Add(-700 * time.Hour)), UserID: "u04", Route: RouteRecommend,
		Time: now.Add(-700 * time.Hour)}
	if err := ims.PutImpressions(ctx, []store.Impression{old, young}); err != nil {
		t.Fatal(err)
	}
	s.read.imp.expire(ctx, now) // default retention: 720h
	if _, err := ims.GetImpression(ctx, old.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an impression 800h old survived a 720h retention: %v", err)
	}
	if _, err := ims.GetImpression(ctx, young.ID); err != nil {
		t.Errorf("an impression 700h old was deleted by a 720h retention: %v", err)
	}
}

// counterValue reads a counter.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// The recent lists answer attribution's lookups as the store does: for every user, item and
// time they hit, the store's newest list showing the item is the same list, at the same place.
func TestRecentLists_AgreesWithTheStore(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(11, 12))
	start := time.Now()
	var shown []string // items some list showed, and others
	for range 60 {
		user := fmt.Sprintf("u%02d", rng.IntN(6))
		resp, err := s.Recommend(ctx, RecommendRequest{UserID: user, N: 1 + rng.IntN(8), Diversity: ptr(rng.Float64())})
		if err != nil {
			t.Fatal(err)
		}
		shown = append(shown, ids(resp.Items)...)
	}
	shown = append(shown, "i00", "i01", "i02", "i03")
	if err := s.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	imp, hits := s.read.imp, 0
	for range 400 {
		user, item := fmt.Sprintf("u%02d", rng.IntN(6)), shown[rng.IntN(len(shown))]
		since := start.Add(time.Duration(rng.IntN(int(time.Since(start)) + 1)))
		until := since.Add(time.Duration(rng.IntN(int(time.Since(start)) + 1)))
		fast, ok := imp.recent.latestOf(user, item, since, until)
		if !ok {
			continue
		}
		hits++
		full, err := imp.st.LatestImpressionOf(ctx, user, item, since, until, 0)
		if err != nil || full.ID != fast.ID || *positionOf(&full, item) != *positionOf(&fast, item) {
			t.Fatalf("latestOf(%s, %s, %v, %v): recent %s at %d, store %s (%v)", user, item, since, until, fast.ID,
				*positionOf(&fast, item), full.ID, err)
		}
	}
	if hits < 30 {
		t.Fatalf("only %d of 400 lookups hit the recent lists; the test compares too little", hits)
	}
}

func ptr[T any](v T) *T { return &v }
