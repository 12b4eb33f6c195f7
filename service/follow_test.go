package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store"
	"github.com/recd/recd/store/sqlite"
)

// replica opens a service over the SQLite file at db (shared with other replicas) with its
// own index in dir, small models for speed, and no response cache.
func replica(t testing.TB, db, dir string, extra ...service.Dependency) *service.Service {
	t.Helper()
	st, o := smallBackends(t, db, dir)
	o.ALS.Iterations = 3
	o.CacheSize = 0
	o.Dependencies = extra
	s, err := service.New(t.Context(), st, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// smallWorld is 40 items in 4 genres and 30 users with 8 seeded events each.
func smallWorld() ([]recd.Item, []recd.Event) {
	rng := rand.New(rand.NewPCG(7, 7))
	genres := []string{"Comedy", "Drama", "Horror", "Action"}
	var items []recd.Item
	for i := range 40 {
		g := genres[i%4]
		items = append(items, recd.Item{ID: fmt.Sprintf("i%02d", i), Title: fmt.Sprintf("%s film %d", g, i),
			Text: "a " + g + " story", Categories: []string{g}, Available: true})
	}
	var events []recd.Event
	for u := range 30 {
		for range 8 {
			it := rng.IntN(10)*4 + u%4 // users keep to one genre
			events = append(events, recd.Event{UserID: fmt.Sprintf("u%02d", u), ItemID: items[it].ID, Type: "view"})
		}
	}
	return items, events
}

func weightOf(h []rank.Interaction, item string) float64 {
	for _, in := range h {
		if in.ItemID == item {
			return in.Weight
		}
	}
	return 0
}

func mustSync(t *testing.T, s *service.Service) {
	t.Helper()
	if err := s.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// TestService_Sync runs two replicas over one store: what one writes, the other applies on
// its next pass, once.
func TestService_Sync(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := filepath.Join(dir, "shared.db")
	a := replica(t, db, filepath.Join(dir, "a"))
	items, events := smallWorld()
	if err := a.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	first, err := a.Train(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := replica(t, db, filepath.Join(dir, "b"))
	if got := b.Stats(); got != a.Stats() {
		t.Fatalf("b at start: %+v, want a's %+v", got, a.Stats())
	}

	t.Run("Events", func(t *testing.T) {
		ev := recd.Event{UserID: "u00", ItemID: "i39", Type: "purchase"}
		if _, err := a.AddEvents(ctx, []recd.Event{ev}); err != nil {
			t.Fatal(err)
		}
		want := weightOf(a.History("u00"), "i39")
		if want <= 0 {
			t.Fatalf("a's own history lacks the event: %v", a.History("u00"))
		}
		if got := weightOf(b.History("u00"), "i39"); got != 0 {
			t.Fatalf("b saw the event before a pass: weight %v", got)
		}
		mustSync(t, b)
		mustSync(t, b)
		mustSync(t, a) // a's pass finds its own event applied already
		if got := weightOf(b.History("u00"), "i39"); got != want {
			t.Errorf("b's weight of the new event after two passes = %v, want %v (once)", got, want)
		}
		if got := weightOf(a.History("u00"), "i39"); got != want {
			t.Errorf("a's weight after its own pass = %v, want %v (not doubled)", got, want)
		}
		if a.Stats() != b.Stats() {
			t.Errorf("stats differ after the pass: a %+v, b %+v", a.Stats(), b.Stats())
		}
		if got := b.FollowStatus().Events; got != 1 {
			t.Errorf("b applied %d events from a, want 1", got)
		}
	})

	t.Run("SeenItemLeavesTheOtherReplicasList", func(t *testing.T) {
		req := service.RecommendRequest{UserID: "u01", N: 10}
		before, err := b.Recommend(ctx, req)
		if err != nil || len(before.Items) == 0 {
			t.Fatalf("Recommend on b: %v, %v", before, err)
		}
		top := before.Items[0].ID
		if _, err := a.AddEvents(ctx, []recd.Event{{UserID: "u01", ItemID: top, Type: "purchase"}}); err != nil {
			t.Fatal(err)
		}
		mustSync(t, b)
		after, err := b.Recommend(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(ids(after.Items), top) {
			t.Errorf("b still recommends %s to u01 after u01 bought it through a: %v", top, ids(after.Items))
		}
	})

	t.Run("CatalogChanges", func(t *testing.T) {
		fresh := recd.Item{ID: "fresh", Title: "Comedy special", Text: "a Comedy story", Categories: []string{"Comedy"}, Available: true}
		if err := a.PutItems(ctx, []recd.Item{fresh}); err != nil {
			t.Fatal(err)
		}
		if err := a.DeleteItem(ctx, "i00"); err != nil {
			t.Fatal(err)
		}
		if _, ok := b.Item("fresh"); ok {
			t.Fatal("b knows the new item before a pass")
		}
		mustSync(t, b)
		if m, ok := b.Item("fresh"); !ok || m.Title != "Comedy special" {
			t.Errorf("b's copy of the new item = %+v, %v", m, ok)
		}
		if _, ok := b.Item("i00"); ok {
			t.Error("b still has the item a deleted")
		}
		// The new item has content neighbours on b: b indexed its content vector.
		sim, err := b.Similar(ctx, "fresh", 3, rank.SpaceContent, nil)
		if err != nil || len(sim.Items) == 0 {
			t.Errorf("content neighbours of the new item on b: %v, %v", sim, err)
		}
		pop, err := b.Popular(ctx, 40, nil)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(ids(pop.Items), "i00") {
			t.Error("b's popular list still holds the deleted item")
		}
	})

	t.Run("OwnChangesCostAComparison", func(t *testing.T) {
		own := []recd.Item{
			{ID: "own1", Title: "Own", Categories: []string{}, Attributes: map[string]any{"year": 1995, "tags": []any{"x"}}, Available: true},
			{ID: "own2", Title: "Own 2", Attributes: map[string]any{}, Available: true},
		}
		if err := a.PutItems(ctx, own); err != nil {
			t.Fatal(err)
		}
		before := a.FollowStatus().Changes
		mustSync(t, a)
		if got := a.FollowStatus().Changes - before; got != 0 {
			t.Errorf("a re-applied %d of its own item writes", got)
		}
		mustSync(t, b)
		if m, ok := b.Item("own1"); !ok || m.Attributes["year"] != float64(1995) {
			t.Errorf("b's copy of own1 = %+v, %v", m, ok)
		}
	})

	t.Run("UserDelete", func(t *testing.T) {
		if err := a.DeleteUser(ctx, "u02"); err != nil {
			t.Fatal(err)
		}
		if b.History("u02") == nil {
			t.Fatal("b lost u02 before a pass")
		}
		mustSync(t, b)
		if h := b.History("u02"); h != nil {
			t.Errorf("b still holds the deleted user's history: %v", h)
		}
		if a.Stats() != b.Stats() {
			t.Errorf("stats differ: a %+v, b %+v", a.Stats(), b.Stats())
		}
	})

	t.Run("UserDeletedAndBackBetweenPasses", func(t *testing.T) {
		// b applies u03's new event before it sees the delete that preceded it: the delete
		// must not take the new event with it.
		if err := a.DeleteUser(ctx, "u03"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.AddEvents(ctx, []recd.Event{{UserID: "u03", ItemID: "i05", Type: "purchase"}}); err != nil {
			t.Fatal(err)
		}
		mustSync(t, b)
		want := a.History("u03")
		got := b.History("u03")
		if len(got) != 1 || len(want) != 1 || got[0].ItemID != "i05" || got[0].Weight != want[0].Weight {
			t.Errorf("b's history of u03 = %v, want a's %v", got, want)
		}
		if a.Stats() != b.Stats() {
			t.Errorf("stats differ: a %+v, b %+v", a.Stats(), b.Stats())
		}
	})

	t.Run("ClientVectors", func(t *testing.T) {
		vecs := []recd.Item{
			{ID: "v1", Title: "v1", Available: true, Vectors: map[string][]float32{"ext": {1, 0, 0}}},
			{ID: "v2", Title: "v2", Available: true, Vectors: map[string][]float32{"ext": {0.9, 0.1, 0}}},
			{ID: "v3", Title: "v3", Available: true, Vectors: map[string][]float32{"ext": {0, 0, 1}}},
		}
		if err := a.PutItems(ctx, vecs); err != nil {
			t.Fatal(err)
		}
		mustSync(t, b)
		sim, err := b.Similar(ctx, "v1", 1, "ext", nil)
		if err != nil {
			t.Fatalf("Similar by ext on b: %v", err)
		}
		if got := ids(sim.Items); !slices.Equal(got, []string{"v2"}) {
			t.Errorf("b's nearest ext neighbour of v1 = %v, want [v2]", got)
		}
		applied := b.FollowStatus().Vectors
		mustSync(t, a) // a's own vectors: found in its index, not written again
		if got := a.FollowStatus().Vectors; got != 0 {
			t.Errorf("a rewrote %d of its own vectors", got)
		}
		if applied != 3 {
			t.Errorf("b applied %d vectors, want 3", applied)
		}
	})

	t.Run("Model", func(t *testing.T) {
		pop, _ := b.Popular(ctx, 1, nil)
		if pop.ModelVersion != first.Version {
			t.Fatalf("b serves %q at start, want a's %q", pop.ModelVersion, first.Version)
		}
		next, err := a.Train(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustSync(t, b)
		pop, _ = b.Popular(ctx, 1, nil)
		if pop.ModelVersion != next.Version {
			t.Errorf("b serves %q after a pass, want a's new %q", pop.ModelVersion, next.Version)
		}
		if got := b.FollowStatus().Models; got != 1 {
			t.Errorf("b loaded %d models, want 1", got)
		}
		// The new model's CF vectors are in b's own index.
		sim, err := b.Similar(ctx, "i05", 3, rank.SpaceCF, nil)
		if err != nil || len(sim.Items) == 0 {
			t.Errorf("CF neighbours on b after the swap: %v, %v", sim, err)
		}
		mustSync(t, b)
		if got := b.FollowStatus().Models; got != 1 {
			t.Errorf("b reloaded the same model: %d loads", got)
		}
	})
}

// TestService_Notify checks that a notification runs a pass without waiting for the interval.
func TestService_Notify(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	db := filepath.Join(dir, "shared.db")
	a := replica(t, db, filepath.Join(dir, "a"))
	b := replica(t, db, filepath.Join(dir, "b"))
	if err := a.PutItems(ctx, []recd.Item{{ID: "x", Available: true}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.RunFollower(ctx, service.FollowOptions{Interval: 1 << 40}) // the ticker never fires here
	}()
	if _, err := a.AddEvents(ctx, []recd.Event{{UserID: "u", ItemID: "x", Type: "view"}}); err != nil {
		t.Fatal(err)
	}
	for b.History("u") == nil {
		b.Notify()
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		default:
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if _, ok := b.Item("x"); !ok {
		t.Error("the pass applied the event but not the item it names")
	}
}

var _ store.ChangeFeed = (*sqlite.Store)(nil)

// TestService_RunFollower_SharedIndex runs two replicas over one store and one index (as with
// Qdrant): the follower updates its live state and swaps models without writing the index.
func TestService_RunFollower_SharedIndex(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	db := filepath.Join(dir, "shared.db")
	idx, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	open := func() *service.Service {
		st, err := sqlite.Open(db, sqlite.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		o := service.DefaultOptions()
		o.Index = idx
		o.ALS.Factors, o.ALS.Iterations, o.LSA.Dim = 8, 3, 8
		s, err := service.New(ctx, st, o)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := open(), open()
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.RunFollower(ctx, service.FollowOptions{Interval: 1 << 40, ModelInterval: time.Nanosecond, SharedIndex: true})
	}()
	items, events := smallWorld()
	items = append(items, recd.Item{ID: "v1", Available: true, Vectors: map[string][]float32{"ext": {1, 0}}},
		recd.Item{ID: "v2", Available: true, Vectors: map[string][]float32{"ext": {1, 0.1}}})
	if err := a.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	info, err := a.Train(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for {
		pop, _ := b.Popular(ctx, 1, nil)
		if pop.ModelVersion == info.Version && b.Stats() == a.Stats() {
			break
		}
		b.Notify()
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	st := b.FollowStatus()
	if st.Vectors != 0 || st.Models != 1 || st.Changes != int64(len(items)) {
		t.Errorf("b's follower: %+v; want no vectors written, 1 model, %d changes", st, len(items))
	}
	sim, err := b.Similar(t.Context(), "v1", 1, "ext", nil)
	if err != nil || !slices.Equal(ids(sim.Items), []string{"v2"}) {
		t.Errorf("b's ext neighbour of v1 from the shared index = %v, %v; want [v2]", sim.Items, err)
	}
}

// TestService_SaveIndex_WhileFollowing checks that an index snapshot taken before the
// follower applied other replicas' vectors does not claim them: a restart replays them.
func TestService_SaveIndex_WhileFollowing(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	db := filepath.Join(dir, "shared.db")
	a := replica(t, db, filepath.Join(dir, "a"))
	b := replica(t, db, filepath.Join(dir, "b"))
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.RunFollower(ctx, service.FollowOptions{Interval: 1 << 40}) // no pass unless notified
	}()
	for !b.FollowStatus().Running { // the follower has set up: snapshots now honour it
		time.Sleep(time.Millisecond)
	}
	vecs := []recd.Item{
		{ID: "v1", Available: true, Vectors: map[string][]float32{"ext": {1, 0}}},
		{ID: "v2", Available: true, Vectors: map[string][]float32{"ext": {1, 0.1}}},
	}
	if err := a.PutItems(ctx, vecs); err != nil {
		t.Fatal(err)
	}
	if err := b.SaveIndex(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	restarted := replica(t, db, filepath.Join(dir, "b"))
	sim, err := restarted.Similar(t.Context(), "v1", 1, "ext", nil)
	if err != nil || !slices.Equal(ids(sim.Items), []string{"v2"}) {
		t.Errorf("after a restart from b's snapshot: ext neighbour of v1 = %v, %v; want [v2]", sim.Items, err)
	}
}
