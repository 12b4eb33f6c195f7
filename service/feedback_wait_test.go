package service

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/recd/recd"
)

func TestIDTime(t *testing.T) {
	at := time.UnixMilli(1764892800123)
	got, ok := idTime(newRecommendationID(at))
	if !ok || !got.Equal(at) {
		t.Errorf("idTime = %v, %v; want %v", got, ok, at)
	}
	if _, ok := idTime("not-an-id"); ok {
		t.Error("a malformed id has a time")
	}
}

// A click sent to replica b right after replica a served the list, before a flushed it, is
// attributed to a's list: b waits for the flush. A fresh id that names no list is still
// refused, after one wait per batch however many it cites; an old unknown id and one that
// would wait beyond maxFreshWaiters are refused at once.
func TestService_AddEvents_WaitsForAnotherReplicasFreshList(t *testing.T) {
	db := filepath.Join(t.TempDir(), "recd.db")
	a := openTrained(t, db, nil, "")
	b := openTrained(t, db, nil, "")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { a.RunFeedback(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waits := func(outcome string) float64 {
		return counterValue(b.Metrics.FreshWaits.WithLabelValues(outcome))
	}

	id, items := served(t, a, "u01")
	if _, err := b.AddEvents(t.Context(), []recd.Event{{UserID: "u01", ItemID: items[2], Type: "click", RecommendationID: id}}); err != nil {
		t.Fatalf("a click on a's list sent to b at once: %v", err)
	}
	checkAttribution(t, "a's list clicked through b", newestEvent(t, b, "u01"), id, pos(2))
	if waits("found") != 1 {
		t.Errorf("found waits = %v, want 1", waits("found"))
	}

	refused := func(what string, evs []recd.Event) {
		t.Helper()
		_, err := b.AddEvents(t.Context(), evs)
		var fe *recd.FieldError
		if !errors.As(err, &fe) || fe.Field != "[0].recommendation_id" || !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("%s: err = %v, want invalid [0].recommendation_id", what, err)
		}
	}
	before := newestEvent(t, b, "u01")
	var fakes []recd.Event
	for range 5 {
		fakes = append(fakes, recd.Event{UserID: "u01", ItemID: items[0], Type: "click", RecommendationID: newRecommendationID(time.Now())})
	}
	refused("five fresh ids no replica served", fakes)
	if waits("unknown") != 1 {
		t.Errorf("unknown waits = %v after a batch of five fresh fake ids, want 1 (one wait a batch)", waits("unknown"))
	}
	refused("an unknown id an hour old", []recd.Event{{UserID: "u01", ItemID: items[0], Type: "click",
		RecommendationID: newRecommendationID(time.Now().Add(-time.Hour))}})
	if waits("unknown") != 1 {
		t.Errorf("an old unknown id was waited for")
	}
	w := b.read.imp.fresh
	for range maxFreshWaiters {
		w.slots <- struct{}{}
	}
	// A new id: the five above have waited out their freshness.
	refused("a fresh fake id with every wait taken", []recd.Event{{UserID: "u01", ItemID: items[0], Type: "click",
		RecommendationID: newRecommendationID(time.Now())}})
	for range maxFreshWaiters {
		<-w.slots
	}
	if waits("busy") != 1 || waits("unknown") != 1 {
		t.Errorf("busy, unknown waits = %v, %v; want 1, 1", waits("busy"), waits("unknown"))
	}
	if after := newestEvent(t, b, "u01"); after.ItemID != before.ItemID || after.Timestamp != before.Timestamp {
		t.Errorf("a refused batch stored %+v", after)
	}
}

// A serving replica short of CPU can flush its lists several flush intervals late. A click
// sent meanwhile to another replica is still attributed: the wait lasts as long as the id is
// fresh, not a fixed two intervals (here a flushes 600 ms after serving, six intervals).
func TestService_AddEvents_WaitsForALateFlush(t *testing.T) {
	db := filepath.Join(t.TempDir(), "recd.db")
	a := openTrained(t, db, nil, "")
	b := openTrained(t, db, nil, "")
	id, items := served(t, a, "u01")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-time.After(600 * time.Millisecond):
			a.RunFeedback(ctx)
		case <-ctx.Done():
		}
	}()
	t.Cleanup(func() { cancel(); <-done })

	start := time.Now()
	if _, err := b.AddEvents(t.Context(), []recd.Event{{UserID: "u01", ItemID: items[1], Type: "click", RecommendationID: id}}); err != nil {
		t.Fatalf("a click on a's list, flushed 600 ms late, sent to b: %v", err)
	}
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Errorf("attributed after %v, before a flushed (600 ms)", took)
	}
	checkAttribution(t, "a's late-flushed list clicked through b", newestEvent(t, b, "u01"), id, pos(1))
	if got := counterValue(b.Metrics.FreshWaits.WithLabelValues("found")); got != 1 {
		t.Errorf("found waits = %v, want 1", got)
	}
}

func TestFreshWaits_EndWithTheFreshWindow(t *testing.T) {
	w := newFreshWaits(100 * time.Millisecond)
	now := time.UnixMilli(1764892800000)
	for _, c := range []struct {
		served time.Time
		want   time.Time
	}{
		{now, now.Add(100*time.Millisecond + freshMargin)},
		{now.Add(-time.Second), now.Add(-time.Second + 100*time.Millisecond + freshMargin)},
		// An id ahead of this replica's clock (skew) waits no longer than one served now.
		{now.Add(time.Second), now.Add(100*time.Millisecond + freshMargin)},
	} {
		if !w.fresh(c.served, now) {
			t.Fatalf("served %v is not fresh at %v", c.served, now)
		}
		end := w.freshEnd(c.served, now)
		if !end.Equal(c.want) {
			t.Errorf("freshEnd(%v) = %v, want %v", c.served.Sub(now), end.Sub(now), c.want.Sub(now))
		}
		if !c.served.After(now) && w.fresh(c.served, end.Add(time.Millisecond)) {
			t.Errorf("served %v: still fresh after its wait ends", c.served.Sub(now))
		}
	}
}
