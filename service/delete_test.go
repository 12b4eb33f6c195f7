package service

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/redisstate/redistest"
)

// raceRound writes the victim's events from several goroutines while two others delete them,
// one asks for their recommendations and one flushes the impression queue to the store.
func raceRound(t *testing.T, s *Service, victim string, round int) {
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for w := range 4 {
		wg.Go(func() {
			for k := range 3 {
				if _, err := s.AddEvents(ctx, victimEvents(victim, round+w+k)); err != nil {
					errs <- fmt.Errorf("add events: %w", err)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			time.Sleep(time.Duration(round%5) * time.Millisecond)
			if err := s.DeleteUser(ctx, victim); err != nil && !errors.Is(err, recd.ErrNotFound) {
				errs <- fmt.Errorf("delete: %w", err)
			}
		})
	}
	wg.Go(func() {
		for k := range 3 {
			rot := float64(k%2) / 2 // with rotation on, their counts race the delete too
			if _, err := s.Recommend(ctx, RecommendRequest{UserID: victim, N: 5, Rotation: &rot}); err != nil {
				errs <- fmt.Errorf("recommend: %w", err)
			}
		}
	})
	wg.Go(func() {
		for range 3 {
			if err := s.FlushImpressions(ctx); err != nil {
				errs <- fmt.Errorf("flush impressions: %w", err)
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// checkMatchesStore checks that the victim's live history is exactly what the store holds of
// them: a batch that raced a delete was either erased with the user or stored after it.
func checkMatchesStore(t *testing.T, s *Service, victim string) {
	t.Helper()
	evs, err := s.del.userEvents(t.Context(), victim)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for _, e := range evs {
		want[e.ItemID] += s.opts.Weights.Of(e)
	}
	got := map[string]float64{}
	for _, in := range s.History(victim) {
		got[in.ItemID] = in.Weight
	}
	if len(got) != len(want) {
		t.Fatalf("live history of %s %v, store holds %v", victim, got, want)
	}
	for id, w := range want {
		if math.Abs(got[id]-w) > 1e-9 {
			t.Fatalf("live history of %s %v, store holds %v", victim, got, want)
		}
	}
}

// testDeleteRacesWriters races writers, a reader and deletes of one user for 50 rounds; after
// each round the user's live state is what the store holds, and after a final delete nothing
// anywhere holds them, a second delete answers not found, and another user's
// recommendations in the user's session cite nothing of theirs.
func testDeleteRacesWriters(t *testing.T, s *Service) {
	ctx := t.Context()
	const victim = "victim"
	var all []string
	for _, it := range s.live.catalogItems() {
		all = append(all, it.ID)
	}
	exposureBefore := exposureOf(s, all)
	for round := range 50 {
		raceRound(t, s, victim, round)
		checkMatchesStore(t, s, victim)
	}
	if _, err := s.AddEvents(ctx, victimEvents(victim, 0)); err != nil {
		t.Fatal(err)
	}
	// Enough likes for the hybrid strategy, which the ranker (and the feature log) serves.
	var more []recd.Event
	for i := range 8 {
		more = append(more, recd.Event{UserID: victim, ItemID: fmt.Sprintf("i%02d", 2+i), Type: "like", Timestamp: time.Now().UTC()})
	}
	if _, err := s.AddEvents(ctx, more); err != nil {
		t.Fatal(err)
	}
	rot, noSession := 0.5, 0.0 // the ranker serves requests without a session source
	served, err := s.Recommend(ctx, RecommendRequest{UserID: victim, N: 5, Rotation: &rot, SessionWeight: &noSession})
	if err != nil {
		t.Fatal(err)
	}
	logged := checkLoggedFeatures(t, s, served)
	if rs, ok := s.live.(*redisState); ok {
		if _, err := s.PrecomputeActive(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := rs.st.Client().Exists(ctx, rs.st.Options().Prefix+"pre:"+victim).Result(); n != 1 {
			t.Fatalf("no precomputed list of %s to erase", victim)
		}
	}
	if err := s.DeleteUser(ctx, victim); err != nil {
		t.Fatal(err)
	}
	checkErased(t, s, victim, exposureBefore, all)
	if logged {
		if _, err := s.read.imp.st.GetImpression(ctx, served.RecommendationID); !errors.Is(err, recd.ErrNotFound) {
			t.Errorf("the list with %s's logged features is still stored (err %v)", victim, err)
		}
	}
	if err := s.DeleteUser(ctx, victim); !errors.Is(err, recd.ErrNotFound) {
		t.Errorf("second delete = %v, want not found", err)
	}
	resp, err := s.Recommend(ctx, RecommendRequest{UserID: "u01", SessionID: "vs", N: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range resp.Items {
		for _, r := range it.Reasons {
			if r.Type == rank.ReasonSession && len(r.Items) > 0 {
				t.Errorf("another user's list cites session items %v of the deleted user (item %s)", r.Items, it.ID)
			}
		}
	}
}

// checkLoggedFeatures checks, when the service logs features, that the served list's stored
// impression carries a feature row for each of its items, and reports whether it does.
func checkLoggedFeatures(t *testing.T, s *Service, served rank.Response) bool {
	t.Helper()
	if s.opts.Ranker.LogFeatures == 0 {
		return false
	}
	if err := s.FlushImpressions(t.Context()); err != nil {
		t.Fatal(err)
	}
	im, err := s.read.imp.st.GetImpression(t.Context(), served.RecommendationID)
	if err != nil {
		t.Fatal(err)
	}
	if f := im.Features; f == nil || len(f.Rows) != len(served.Items) || len(f.Rows[0]) != len(f.Names) || len(f.Names) == 0 {
		t.Fatalf("the served list's impression holds features %+v for %d items (strategy %s, fallback %q)", im.Features, len(served.Items), served.Strategy, served.RankerFallback)
	}
	return true
}

func TestService_DeleteUser_RacesWriters(t *testing.T) {
	testDeleteRacesWriters(t, openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "", withLoggedFeatures(t)))
}

func TestService_DeleteUser_RacesWriters_Redis(t *testing.T) {
	c, prefix := redistest.Client(t)
	testDeleteRacesWriters(t, openTrained(t, filepath.Join(t.TempDir(), "recd.db"), c, prefix, withLoggedFeatures(t)))
}

// TestService_DeleteUser_SecondDeletePurgesLiveState covers a user the store no longer holds
// whose history is still live (as a write racing the delete used to leave it): the delete
// answers not found only once nothing holds them.
func TestService_DeleteUser_SecondDeletePurgesLiveState(t *testing.T) {
	ctx := t.Context()
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ghost := victimEvents("ghost", 0)
	for n := range ghost {
		ghost[n].Seq = int64(1_000_000 + n)
	}
	s.live.addEvents(ctx, ghost) // live, but never stored
	if err := s.DeleteUser(ctx, "ghost"); err != nil {
		t.Fatalf("delete of a user only the live state holds = %v, want nil", err)
	}
	if s.History("ghost") != nil {
		t.Error("history still live after the delete")
	}
	if err := s.DeleteUser(ctx, "ghost"); !errors.Is(err, recd.ErrNotFound) {
		t.Errorf("second delete = %v, want not found", err)
	}
}

// TestService_DeleteUser_NextTrainingDoesNotSeeTheUser trains after a delete: the model
// counts neither the user nor their events, and the items only they touched have no
// interactions.
func TestService_DeleteUser_NextTrainingDoesNotSeeTheUser(t *testing.T) {
	ctx := t.Context()
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	if _, err := s.AddEvents(ctx, victimEvents("victim", 0)); err != nil {
		t.Fatal(err)
	}
	before, err := s.Train(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "victim"); err != nil {
		t.Fatal(err)
	}
	after, err := s.Train(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := after.Metrics["users"], before.Metrics["users"]-1; got != want {
		t.Errorf("users trained on = %v, want %v", got, want)
	}
	if got, want := after.Metrics["events"], before.Metrics["events"]-4; got != want {
		t.Errorf("events trained on = %v, want %v", got, want)
	}
	m := s.snap.Load().models
	for _, id := range victimItems {
		if i, ok := m.ItemIndex[id]; ok && int(i) < len(m.Counts) && m.Counts[i] != 0 {
			t.Errorf("item %s has %d interactions after its only user was deleted", id, m.Counts[i])
		}
	}
}
