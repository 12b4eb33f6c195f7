package redisstate_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd/model"
	"github.com/recd/recd/redisstate"
	"github.com/recd/recd/redisstate/redistest"
	"github.com/redis/go-redis/v9"
)

func newState(t *testing.T, tweak func(*redisstate.Options)) *redisstate.State {
	t.Helper()
	c, prefix := redistest.Client(t)
	o := redisstate.DefaultOptions()
	o.Prefix = prefix
	if tweak != nil {
		tweak(&o)
	}
	s, err := redisstate.New(c, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestState_RecordEvents(t *testing.T) {
	ctx := context.Background()
	t.Run("recent actions are capped, newest first, per user and session", func(t *testing.T) {
		s := newState(t, func(o *redisstate.Options) { o.SessionMaxActions = 3 })
		now := time.Now().Add(-time.Minute)
		var evs []redisstate.Event
		for i, id := range []string{"a", "b", "c", "d"} {
			evs = append(evs, redisstate.Event{UserID: "u1", SessionID: "s1", ItemID: id, Type: "view", Weight: 1,
				Time: now.Add(time.Duration(i) * time.Second), Seq: int64(i + 1)})
		}
		// a dislike is not a session action
		evs = append(evs, redisstate.Event{UserID: "u1", ItemID: "x", Type: "dislike", Weight: -1, Time: now.Add(time.Hour), Seq: 9})
		if err := s.RecordEvents(ctx, "A", evs); err != nil {
			t.Fatal(err)
		}
		us, err := s.ReadUser(ctx, "u1", "s1", false)
		if err != nil {
			t.Fatal(err)
		}
		var got, gotS []string
		for _, a := range us.User {
			got = append(got, a.ItemID)
		}
		for _, a := range us.Session {
			gotS = append(gotS, a.ItemID)
		}
		if want := []string{"d", "c", "b"}; !slices.Equal(got, want) || !slices.Equal(gotS, want) {
			t.Errorf("user recent %v, session recent %v, want %v", got, gotS, want)
		}
		if us.Seq != 9 || us.Gen == 0 {
			t.Errorf("gen %d seq %d, want a generation and seq 9", us.Gen, us.Seq)
		}
	})
	t.Run("actions older than the TTL are dropped on read", func(t *testing.T) {
		s := newState(t, func(o *redisstate.Options) { o.SessionTTL = time.Hour })
		old := time.Now().Add(-2 * time.Hour)
		err := s.RecordEvents(ctx, "A", []redisstate.Event{
			{UserID: "u", ItemID: "old", Type: "view", Weight: 1, Time: old},
			{UserID: "u", ItemID: "new", Type: "view", Weight: 1, Time: time.Now()}})
		if err != nil {
			t.Fatal(err)
		}
		us, _ := s.ReadUser(ctx, "u", "", false)
		if len(us.User) != 1 || us.User[0].ItemID != "new" {
			t.Errorf("recent %v, want only new", us.User)
		}
	})
	t.Run("each write bumps the generation, and a recreated one never repeats", func(t *testing.T) {
		s := newState(t, nil)
		var gens []int64
		for i := range 3 {
			if err := s.RecordEvents(ctx, "A", []redisstate.Event{{UserID: "g", ItemID: "i", Weight: 1, Time: time.Now(), Seq: int64(i)}}); err != nil {
				t.Fatal(err)
			}
			us, _ := s.ReadUser(ctx, "g", "", false)
			gens = append(gens, us.Gen)
		}
		if !(gens[0] < gens[1] && gens[1] < gens[2]) {
			t.Fatalf("generations %v not increasing", gens)
		}
		s.Client().Del(ctx, s.Options().Prefix+"gen:g") // as expiry would
		if err := s.BumpUsers(ctx, map[string]int64{"g": 1}); err != nil {
			t.Fatal(err)
		}
		us, _ := s.ReadUser(ctx, "g", "", false)
		if slices.Contains(gens, us.Gen) {
			t.Errorf("recreated generation %d repeats one of %v", us.Gen, gens)
		}
	})
	t.Run("Erase drops every key of the user and a recreated generation is newer", func(t *testing.T) {
		s := newState(t, nil)
		now := time.Now()
		evs := []redisstate.Event{{UserID: "f", SessionID: "fs", ItemID: "i", Weight: 1, Time: now, Seq: 1}}
		s.RecordEvents(ctx, "A", evs)
		s.RecordEvents(ctx, "A", []redisstate.Event{{UserID: "o", ItemID: "j", Weight: 1, Time: now, Seq: 2}})
		before, _ := s.ReadUser(ctx, "f", "fs", false)
		held, err := s.Erase(ctx, "A", redisstate.Erasure{User: "f", Sessions: []string{"fs"}, Events: evs})
		if err != nil || !held {
			t.Fatalf("Erase = %v, %v, want true, nil", held, err)
		}
		after, _ := s.ReadUser(ctx, "f", "fs", false)
		if len(after.User) != 0 || len(after.Session) != 0 || after.Gen != 0 {
			t.Errorf("after erase: recent %v, session %v, gen %d", after.User, after.Session, after.Gen)
		}
		keys, _ := s.Client().Keys(ctx, s.Options().Prefix+"*:f").Result()
		active, _ := s.ActiveUsers(ctx, time.Time{}, 10)
		ids, _, _ := s.Trending(ctx, 10, nil)
		if len(keys) != 0 || slices.Contains(active, "f") || !slices.Equal(ids, []string{"j"}) {
			t.Errorf("after erase: keys %v, active %v, trending %v, want none, no f, [j]", keys, active, ids)
		}
		if held, err := s.Erase(ctx, "A", redisstate.Erasure{User: "f"}); held || err != nil {
			t.Errorf("second Erase = %v, %v, want false, nil", held, err)
		}
		s.RecordEvents(ctx, "A", []redisstate.Event{{UserID: "f", ItemID: "i", Weight: 1, Time: time.Now(), Seq: 3}})
		if again, _ := s.ReadUser(ctx, "f", "", false); again.Gen <= before.Gen {
			t.Errorf("recreated generation %d, want above %d from before the erase", again.Gen, before.Gen)
		}
	})
}

func TestState_Trending(t *testing.T) {
	ctx := context.Background()
	s := newState(t, func(o *redisstate.Options) { o.TrendingHalfLife = 24 * time.Hour })
	local := model.NewTrending(24 * time.Hour)
	r := rand.New(rand.NewPCG(7, 7))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []redisstate.Event
	for i := range 300 {
		id := string(rune('a' + r.IntN(20)))
		w := float64(1 + r.IntN(3))
		at := base.Add(time.Duration(r.IntN(10*24)) * time.Hour)
		local.Add(id, w, at)
		evs = append(evs, redisstate.Event{UserID: "u", ItemID: id, Weight: w, Time: at, Seq: int64(i)})
	}
	if err := s.RecordEvents(ctx, "A", evs); err != nil {
		t.Fatal(err)
	}
	keep := func(id string) bool { return id != "c" }
	wantIDs, wantSc := local.Top(8, keep)
	gotIDs, gotSc, err := s.Trending(ctx, 8, keep)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotIDs, wantIDs) {
		t.Fatalf("shared trending %v, in-process %v", gotIDs, wantIDs)
	}
	for i := range gotSc {
		if d := gotSc[i] - wantSc[i]; d > 1e-9 || d < -1e-9 {
			t.Errorf("score %d: %v, want %v", i, gotSc[i], wantSc[i])
		}
	}
}

func TestState_Impressions(t *testing.T) {
	ctx := context.Background()
	s := newState(t, nil)
	tail, err := s.ImpressionsTail(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.PublishImpressions(ctx, "A", []string{"i1", "i2"})
	s.PublishImpressions(ctx, "B", []string{"i3"})
	got, next, err := s.ReadImpressions(ctx, tail, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Origin != "A" || !slices.Equal(got[0].IDs, []string{"i1", "i2"}) || got[1].Origin != "B" {
		t.Fatalf("read %+v", got)
	}
	again, _, err := s.ReadImpressions(ctx, next, 10*time.Millisecond)
	if err != nil || len(again) != 0 {
		t.Errorf("read after the last entry: %+v, %v; want nothing", again, err)
	}
	if err := s.PublishRemovals(ctx, "A", map[string]float64{"i1": 0.5, "i2": 2}); err != nil {
		t.Fatal(err)
	}
	rm, _, err := s.ReadImpressions(ctx, next, 10*time.Millisecond)
	if err != nil || len(rm) != 1 || rm[0].Origin != "A" || len(rm[0].IDs) != 0 || rm[0].Removed["i1"] != 0.5 ||
		rm[0].Removed["i2"] != 2 {
		t.Errorf("read removals %+v, %v; want A's i1 0.5 and i2 2", rm, err)
	}
}

func TestState_Subscribe(t *testing.T) {
	s := newState(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan redisstate.Change, 10)
	ready := make(chan struct{})
	done := make(chan error)
	go func() { done <- s.Subscribe(ctx, func(c redisstate.Change) { got <- c }, ready) }()
	<-ready
	s.RecordEvents(ctx, "A", []redisstate.Event{{UserID: "u7", ItemID: "i", Weight: 1, Time: time.Now()}})
	s.CatalogChanged(ctx, "B", "i9", false)
	s.Publish(ctx, redisstate.Change{Kind: redisstate.ChangeModel, ID: "v3", Origin: "A"})
	want := []redisstate.Change{{"events", "u7", "A"}, {"items", "i9", "B"}, {"model", "v3", "A"}}
	for _, w := range want {
		if c := <-got; c != w {
			t.Errorf("change %+v, want %+v", c, w)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

func TestState_FailsFastAndRecovers(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	defer c.Close()
	o := redisstate.DefaultOptions()
	o.RetryAfter = time.Hour // only Ping retries, so the test does not depend on time
	s, err := redisstate.New(c, o)
	if err != nil {
		t.Fatal(err)
	}
	ev := []redisstate.Event{{UserID: "u", ItemID: "i", Weight: 1, Time: time.Now()}}
	if err := s.RecordEvents(ctx, "A", ev); err != nil || s.Err() != nil {
		t.Fatalf("healthy: %v, %v", err, s.Err())
	}
	srv.Stop()
	if err := s.RecordEvents(ctx, "A", ev); err == nil || s.Err() == nil {
		t.Fatalf("with Redis stopped: write %v, Err %v; want errors", err, s.Err())
	}
	if _, err := s.ReadUser(ctx, "u", "", false); !errors.Is(err, redisstate.ErrDown) {
		t.Errorf("next call: %v, want ErrDown (fail fast)", err)
	}
	srv.Restart()
	if err := s.Ping(ctx); err != nil || s.Err() != nil {
		t.Fatalf("after restart: ping %v, Err %v", err, s.Err())
	}
	if err := s.RecordEvents(ctx, "A", ev); err != nil {
		t.Errorf("write after recovery: %v", err)
	}
}

func TestState_ActiveUsers(t *testing.T) {
	ctx := context.Background()
	s := newState(t, nil)
	now := time.Now()
	err := s.RecordEvents(ctx, "A", []redisstate.Event{
		{UserID: "old", ItemID: "i", Weight: 1, Time: now.Add(-48 * time.Hour)}, // an import of old data
		{UserID: "a", ItemID: "i", Weight: 1, Time: now.Add(-2 * time.Hour)},
		{UserID: "b", ItemID: "i", Weight: 1, Time: now.Add(-time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	// a late-arriving older event does not make b look less recent than a
	s.RecordEvents(ctx, "A", []redisstate.Event{{UserID: "b", ItemID: "j", Weight: 1, Time: now.Add(-5 * time.Hour)}})
	got, err := s.ActiveUsers(ctx, now.Add(-24*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"b", "a"}; !slices.Equal(got, want) {
		t.Errorf("active within 24 h: %v, want %v", got, want)
	}
	if got, _ := s.ActiveUsers(ctx, now.Add(-24*time.Hour), 1); !slices.Equal(got, []string{"b"}) {
		t.Errorf("at most one: %v", got)
	}
	us, _ := s.ReadUser(ctx, "old", "", false)
	if n, _ := s.Client().LLen(ctx, s.Options().Prefix+"sess:u:old").Result(); n != 0 || us.Gen == 0 {
		t.Errorf("an event older than the session TTL: %d actions stored (want 0), gen %d (want one)", n, us.Gen)
	}
}
