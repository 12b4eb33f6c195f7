package service

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/store/sqlite"
)

func openReplica(t *testing.T, db string) *Service {
	t.Helper()
	st, err := sqlite.Open(db, sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	idx, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Index = idx
	s, err := New(t.Context(), st, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestService_followChanges_UserDeleteAfterTheirNewEvent covers a pass whose event scan saw
// a user's event written after their delete, while its change scan ran before the delete
// committed: the next pass applies the delete and must keep the newer event.
func TestService_followChanges_UserDeleteAfterTheirNewEvent(t *testing.T) {
	ctx := t.Context()
	db := filepath.Join(t.TempDir(), "shared.db")
	a, b := openReplica(t, db), openReplica(t, db)
	if err := a.PutItems(ctx, []recd.Item{{ID: "x", Available: true}, {ID: "y", Available: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddEvents(ctx, []recd.Event{{UserID: "u", ItemID: "x", Type: "view"}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteUser(ctx, "u"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddEvents(ctx, []recd.Event{{UserID: "u", ItemID: "y", Type: "purchase"}}); err != nil {
		t.Fatal(err)
	}
	b.follower.mu.Lock()
	errEvents := b.follower.followEvents(ctx) // as if the change scan had run before the delete
	errChanges := b.follower.followChanges(ctx)
	b.follower.mu.Unlock()
	if errEvents != nil || errChanges != nil {
		t.Fatal(errEvents, errChanges)
	}
	got, want := b.History("u"), a.History("u")
	if len(got) != 1 || len(want) != 1 || got[0] != want[0] {
		t.Errorf("b's history of u = %v, want a's %v", got, want)
	}
	if a.Stats() != b.Stats() {
		t.Errorf("stats: a %+v, b %+v", a.Stats(), b.Stats())
	}
	if err := b.Sync(ctx); err != nil { // the event pass must not apply it a second time
		t.Fatal(err)
	}
	if got := b.History("u"); len(got) != 1 || got[0] != want[0] {
		t.Errorf("after another pass: %v, want %v", got, want)
	}
}

func TestService_periodicDue(t *testing.T) {
	ctx := t.Context()
	db := filepath.Join(t.TempDir(), "shared.db")
	a, b := openReplica(t, db), openReplica(t, db)
	if err := a.PutItems(ctx, []recd.Item{{ID: "x", Available: true}, {ID: "y", Available: true}}); err != nil {
		t.Fatal(err)
	}
	event := func(item string) {
		t.Helper()
		if _, err := a.AddEvents(ctx, []recd.Event{{UserID: "u", ItemID: item, Type: "view"}}); err != nil {
			t.Fatal(err)
		}
	}
	event("x")
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	p := periodic{trainedAt: 0, loaded: b.trainer.modelsLoaded.Load()}
	if _, due := b.trainer.periodicDue(&p); !due {
		t.Error("events and no model: a run is not due")
	}
	if _, err := a.Train(ctx); err != nil {
		t.Fatal(err)
	}
	event("y")
	if err := b.Sync(ctx); err != nil { // new events and a's model
		t.Fatal(err)
	}
	if _, due := b.trainer.periodicDue(&p); due {
		t.Error("a run is due although a's model was loaded since the last tick")
	}
	if _, due := b.trainer.periodicDue(&p); due {
		t.Error("a run is due with no event since the skipped tick")
	}
	event("x")
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, due := b.trainer.periodicDue(&p); !due {
		t.Error("a new event and no new model from elsewhere: a run is not due")
	}
}

func TestHealth_recheck(t *testing.T) {
	var down atomic.Bool
	var calls atomic.Int32
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	idx, _ := hnsw.New(hnsw.DefaultOptions())
	o := DefaultOptions()
	o.Index = idx
	o.Dependencies = []Dependency{{Name: "cache", Check: func(context.Context) error {
		calls.Add(1)
		if down.Load() {
			return errors.New("refused")
		}
		return nil
	}}}
	s, err := New(t.Context(), st, o)
	if err != nil {
		t.Fatal(err)
	}
	wait := func(want bool) {
		t.Helper()
		for s.Degraded() != want {
			if t.Context().Err() != nil {
				t.Fatal(t.Context().Err())
			}
			time.Sleep(time.Millisecond)
		}
	}
	down.Store(true)
	s.health.recheck("cache")
	wait(true) // the failure is confirmed by the check
	down.Store(false)
	s.health.recheck("cache")
	wait(false) // the check answers again: up
	before := calls.Load()
	s.health.recheck("nothing")
	for s.health.rechecking[1].Load() {
		time.Sleep(time.Millisecond)
	}
	if calls.Load() != before {
		t.Error("a recheck of an unknown dependency ran a check")
	}
}
