package service

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/redisstate/redistest"
)

// TestService_DeleteUser_OtherReplica deletes a user through one replica: the other's next
// pass over the store's change feed erases their live state there (history, trending,
// sessions, caches).
func TestService_DeleteUser_OtherReplica(t *testing.T) {
	ctx := t.Context()
	db := filepath.Join(t.TempDir(), "shared.db")
	a := openTrained(t, db, nil, "")
	b := openTrained(t, db, nil, "")
	if _, err := a.AddEvents(ctx, victimEvents("victim", 0)); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Recommend(ctx, RecommendRequest{UserID: "victim", N: 5}); err != nil {
		t.Fatal(err)
	}
	mb := memOf(b)
	if b.History("victim") == nil || len(mb.sessions.Recent("session:vs", 10)) == 0 || !hasCached(mb.cache, "victim") {
		t.Fatal("replica b has not applied the victim's events")
	}
	if err := a.DeleteUser(ctx, "victim"); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if h := b.History("victim"); h != nil {
		t.Errorf("b's history of the victim after the delete: %v", h)
	}
	if a := mb.sessions.Recent("session:vs", 10); len(a) != 0 {
		t.Errorf("b's session of the victim after the delete: %v", a)
	}
	if hasCached(mb.cache, "victim") {
		t.Error("b's response cache still holds the victim")
	}
	if mb.sources.Forget("victim") {
		t.Error("b's source cache still held the victim")
	}
	mb.mu.RLock()
	ids, _ := mb.users.trending.Top(1000, nil)
	mb.mu.RUnlock()
	for _, id := range victimItems {
		if slices.Contains(ids, id) {
			t.Errorf("b's trending still counts %s", id)
		}
	}
	if err := b.DeleteUser(ctx, "victim"); !errors.Is(err, recd.ErrNotFound) {
		t.Errorf("delete through b afterwards = %v, want not found", err)
	}
}

// TestService_DeleteUser_OtherReplica_Redis deletes a user through one of two replicas
// sharing a store and Redis: the other's exposure counter gives back the impressions of the
// lists the user was shown through the first, and its next pass erases the user's live state.
func TestService_DeleteUser_OtherReplica_Redis(t *testing.T) {
	ctx := t.Context()
	c, prefix := redistest.Client(t)
	db := filepath.Join(t.TempDir(), "shared.db")
	a := openTrained(t, db, c, prefix)
	b := openTrained(t, db, c, prefix)
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	for _, s := range []*Service{a, b} {
		go func() { s.RunSharedState(run); done <- struct{}{} }()
	}
	defer func() { stop(); <-done; <-done }()
	if _, err := a.AddEvents(ctx, victimEvents("victim", 0)); err != nil {
		t.Fatal(err)
	}
	var shown []string
	for range 3 {
		resp, err := a.Recommend(ctx, RecommendRequest{UserID: "victim", N: 5, ExposureStrength: new(float64)})
		if err != nil {
			t.Fatal(err)
		}
		shown = append(shown, ids(resp.Items)...)
	}
	shown = ids2(shown)
	waitFor(t, "b to count a's impressions", func() bool { return exposureOf(b, shown) >= 15-1e-3 })
	if err := b.Sync(ctx); err != nil || b.History("victim") == nil {
		t.Fatalf("b has not applied the victim's events: %v", err)
	}
	if err := a.DeleteUser(ctx, "victim"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b to give the victim's impressions back", func() bool { return exposureOf(b, shown) < 1e-6 })
	if got := exposureOf(a, shown); got > 1e-6 {
		t.Errorf("a's exposure counts of what the victim was shown: %v, want 0", got)
	}
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if h := b.History("victim"); h != nil {
		t.Errorf("b's history of the victim after the delete: %v", h)
	}
	checkRedisErased(t, b.live.(*redisState), "victim")
	if err := b.DeleteUser(ctx, "victim"); !errors.Is(err, recd.ErrNotFound) {
		t.Errorf("delete through b afterwards = %v, want not found", err)
	}
}

func ids(items []recd.Recommendation) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// ids2 returns the distinct ids, sorted.
func ids2(xs []string) []string {
	slices.Sort(xs)
	return slices.Compact(xs)
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
