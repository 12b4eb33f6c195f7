package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

var t0 = time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)

func event(user, item string, i int) recd.Event {
	return recd.Event{UserID: user, ItemID: item, Type: recd.EventRating, Value: float64(i%5) + 0.5,
		Timestamp: t0.Add(time.Duration(i) * time.Minute), SessionID: fmt.Sprintf("s%d", i%3)}
}

func addEvents(t *testing.T, s store.Store, evs []recd.Event) []recd.Event {
	t.Helper()
	got, err := s.AddEvents(t.Context(), evs)
	must(t, err, "AddEvents")
	if len(got) != len(evs) {
		t.Fatalf("AddEvents returned %d events for %d", len(got), len(evs))
	}
	return got
}

func scanEvents(t *testing.T, s store.Store, after int64) []recd.Event {
	t.Helper()
	var out []recd.Event
	must(t, s.ScanEvents(t.Context(), after, func(e recd.Event) error {
		out = append(out, e)
		return nil
	}), "ScanEvents")
	return out
}

func testUsers(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	created := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	u := recd.User{ID: "u1", Attributes: map[string]any{"country": "FR", "age": 31}, CreatedAt: created}
	must(t, s.PutUser(ctx, u), "PutUser")
	got, err := s.GetUser(ctx, "u1")
	must(t, err, "GetUser")
	if got.ID != "u1" || !equalJSON(got.Attributes, u.Attributes) || !got.CreatedAt.Equal(created) {
		t.Errorf("GetUser = %+v, want %+v", got, u)
	}
	before := time.Now()
	must(t, s.PutUser(ctx, recd.User{ID: "u1", Attributes: map[string]any{"country": "DE"}}), "PutUser replace")
	after := time.Now()
	got, err = s.GetUser(ctx, "u1")
	must(t, err, "GetUser")
	if got.Attributes["country"] != "DE" || got.Attributes["age"] != nil || !got.CreatedAt.Equal(created) ||
		!between(got.UpdatedAt, before, after) {
		t.Errorf("after replace GetUser = %+v, want country DE, no age, CreatedAt %v, UpdatedAt in the call", got, created)
	}
	_, err = s.GetUser(ctx, "nobody")
	wantNotFound(t, err, "GetUser(nobody)")

	t.Run("DeleteRemovesEvents", func(t *testing.T) {
		addEvents(t, s, []recd.Event{event("u1", "i1", 0), event("u2", "i1", 1), event("u1", "i2", 2)})
		must(t, s.DeleteUser(ctx, "u1"), "DeleteUser")
		_, err := s.GetUser(ctx, "u1")
		wantNotFound(t, err, "GetUser after delete")
		evs, _, err := s.UserEvents(ctx, "u1", "", 10)
		must(t, err, "UserEvents")
		if len(evs) != 0 {
			t.Errorf("deleted user still has events %v", evs)
		}
		for _, e := range scanEvents(t, s, 0) {
			if e.UserID == "u1" {
				t.Errorf("ScanEvents still returns %+v", e)
			}
		}
		if n, err := s.CountEvents(ctx); err != nil || n != 1 {
			t.Errorf("CountEvents = %d, %v; want the other user's 1", n, err)
		}
		wantNotFound(t, s.DeleteUser(ctx, "u1"), "DeleteUser twice")
		if _, err := s.GetUser(ctx, "u2"); err != nil {
			t.Errorf("other user: %v", err)
		}
	})
}

func equalJSON(a, b any) bool {
	return fmt.Sprint(norm(a)) == fmt.Sprint(norm(b))
}

func testEvents(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	if got, err := s.AddEvents(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("AddEvents(nil) = %v, %v", got, err)
	}
	in := []recd.Event{event("alice", "i1", 0), event("bob", "i2", 1), event("alice", "i3", 2)}
	in[1].Type, in[1].Value, in[1].SessionID = "custom_type", 0, ""
	got := addEvents(t, s, in)
	for i := range in {
		want := in[i]
		want.Seq = got[i].Seq
		checkEvent(t, got[i], want)
		if i > 0 && got[i].Seq <= got[i-1].Seq {
			t.Errorf("Seq not increasing in input order: %d then %d", got[i-1].Seq, got[i].Seq)
		}
	}
	for _, id := range []string{"alice", "bob"} {
		if _, err := s.GetUser(ctx, id); err != nil {
			t.Errorf("user %q named by an event was not created: %v", id, err)
		}
	}
	before := time.Now()
	more := addEvents(t, s, []recd.Event{{UserID: "carol", ItemID: "i1", Type: recd.EventView}})
	after := time.Now()
	if more[0].Seq <= got[2].Seq {
		t.Errorf("second batch Seq %d not after the first's %d", more[0].Seq, got[2].Seq)
	}
	if !between(more[0].Timestamp, before, after) {
		t.Errorf("zero Timestamp became %v, want the time of the write", more[0].Timestamp)
	}
	scanned := scanEvents(t, s, 0)
	all := append(slices.Clone(got), more...)
	if len(scanned) != len(all) {
		t.Fatalf("ScanEvents(0) = %d events, want %d", len(scanned), len(all))
	}
	for i := range all {
		checkEvent(t, scanned[i], all[i])
	}
	if n, err := s.CountEvents(ctx); err != nil || n != 4 {
		t.Errorf("CountEvents = %d, %v; want 4", n, err)
	}

	t.Run("SeqNotReusedAfterDelete", func(t *testing.T) {
		last := addEvents(t, s, []recd.Event{event("dave", "i9", 9)})
		must(t, s.DeleteUser(ctx, "dave"), "DeleteUser")
		next := addEvents(t, s, []recd.Event{event("erin", "i9", 9)})
		if next[0].Seq <= last[0].Seq {
			t.Errorf("Seq %d reused after the newest event (%d) was deleted", next[0].Seq, last[0].Seq)
		}
	})
}

func testUserEvents(t *testing.T, open Opener) {
	s := openStore(t, open)
	ctx := t.Context()
	var in []recd.Event
	for i := range 60 {
		user := []string{"u", "v", "u", "w"}[i%4]
		in = append(in, event(user, fmt.Sprintf("i%d", i), i))
	}
	got := addEvents(t, s, in[:25])
	got = append(got, addEvents(t, s, in[25:])...)
	var want []recd.Event
	for i := len(got) - 1; i >= 0; i-- {
		if got[i].UserID == "u" {
			want = append(want, got[i])
		}
	}
	for _, limit := range []int{1, 4, 30, 31} {
		var all []recd.Event
		cursor := ""
		for pages := 0; ; pages++ {
			page, next, err := s.UserEvents(ctx, "u", cursor, limit)
			must(t, err, "UserEvents")
			if len(page) > limit || pages > len(want) {
				t.Fatalf("limit %d: page of %d, %d pages", limit, len(page), pages)
			}
			all = append(all, page...)
			if next == "" {
				break
			}
			cursor = next
		}
		if len(all) != len(want) {
			t.Fatalf("limit %d: %d events, want %d", limit, len(all), len(want))
		}
		for i := range want {
			checkEvent(t, all[i], want[i])
		}
	}
	if page, next, err := s.UserEvents(ctx, "stranger", "", 10); err != nil || len(page) != 0 || next != "" {
		t.Errorf("UserEvents of an unknown user = %v, %q, %v; want empty", page, next, err)
	}
	if _, _, err := s.UserEvents(ctx, "u", "not-a-cursor", 10); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("UserEvents with a malformed cursor: err = %v, want ErrInvalid", err)
	}
	if _, _, err := s.UserEvents(ctx, "u", "", 0); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("UserEvents with limit 0: err = %v, want ErrInvalid", err)
	}
}

func testScanEvents(t *testing.T, open Opener) {
	s := openStore(t, open)
	var got []recd.Event
	for b := range 4 {
		var batch []recd.Event
		for i := range 7 {
			batch = append(batch, event(fmt.Sprintf("u%d", i%3), fmt.Sprintf("i%d", b), b*7+i))
		}
		got = append(got, addEvents(t, s, batch)...)
	}
	for _, k := range []int{0, 1, 13, 27} {
		after := int64(0)
		if k > 0 {
			after = got[k-1].Seq
		}
		scanned := scanEvents(t, s, after)
		if len(scanned) != len(got)-k {
			t.Fatalf("ScanEvents(%d) = %d events, want %d", after, len(scanned), len(got)-k)
		}
		for i := range scanned {
			checkEvent(t, scanned[i], got[k+i])
		}
	}
	if rest := scanEvents(t, s, got[len(got)-1].Seq); len(rest) != 0 {
		t.Errorf("ScanEvents after the last seq = %v", rest)
	}
	stop := errors.New("stop")
	calls := 0
	err := s.ScanEvents(t.Context(), 0, func(recd.Event) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("ScanEvents with failing fn: %v after %d calls", err, calls)
	}
}
