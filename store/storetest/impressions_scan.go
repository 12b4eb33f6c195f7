package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// scanned is how many lists and events testImpressionScan puts in its window: more than two
// pages of the backends' scans, with many sharing a timestamp so that pages split ties.
const scanned = 2100

// testImpressionScan checks the window scans online metrics read: every row in [from, to)
// once, in (time, id) or (time, seq) order, nothing outside, only attributed events.
func testImpressionScan(t *testing.T, open Opener) {
	h := openStore(t, open)
	sc, ok := h.Store.(store.ImpressionScanner)
	if !ok {
		t.Skip("the store scans no impressions (store.ImpressionScanner)")
	}
	ims := impressionsOf(t, h)
	ctx := t.Context()
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(time.Hour)
	at := func(i int) time.Time { return from.Add(time.Duration(i/7) * time.Millisecond) }
	var batch []store.Impression
	var events []recd.Event
	for i := range scanned {
		id := fmt.Sprintf("01S%05d", scanned-i) // ids fall while times rise: the order is by time first
		im := impression(id, fmt.Sprintf("u%d", i%13), at(i), "a", "b")
		im.Variant = fmt.Sprintf("v%d", i%2)
		batch = append(batch, im)
		pos := i % 2
		events = append(events, recd.Event{UserID: im.UserID, ItemID: "a", Type: "click", Timestamp: at(i), RecommendationID: id, Position: &pos},
			recd.Event{UserID: im.UserID, ItemID: "b", Type: "view", Timestamp: at(i)}) // not attributed
	}
	batch = append(batch, impression("01X-before", "u1", from.Add(-time.Nanosecond), "a"), impression("01X-at-to", "u1", to, "a"))
	events = append(events, recd.Event{UserID: "u1", ItemID: "a", Type: "click", Timestamp: to, RecommendationID: "01X-at-to"},
		recd.Event{UserID: "u1", ItemID: "a", Type: "click", Timestamp: from.Add(-time.Nanosecond), RecommendationID: "01X-before"})
	for b := 0; b < len(batch); b += 500 {
		must(t, ims.PutImpressions(ctx, batch[b:min(b+500, len(batch))]), "PutImpressions")
	}
	for b := 0; b < len(events); b += 1000 {
		_, err := h.AddEvents(ctx, events[b:min(b+1000, len(events))])
		must(t, err, "AddEvents")
	}

	// Within one timestamp the ids rise, so the scan's order is by time, then id.
	want := slices.Clone(batch[:scanned])
	slices.SortFunc(want, func(a, b store.Impression) int {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID))
	})
	t.Run("ScanImpressions", func(t *testing.T) {
		var got []store.Impression
		must(t, sc.ScanImpressions(ctx, from, to, func(im store.Impression) error {
			got = append(got, im)
			return nil
		}), "ScanImpressions")
		if len(got) != scanned {
			t.Fatalf("ScanImpressions gave %d lists, want %d", len(got), scanned)
		}
		for i, im := range got {
			if !reflect.DeepEqual(im, want[i]) {
				t.Fatalf("ScanImpressions[%d] = %+v, want %+v (in time order, then id)", i, im, want[i])
			}
		}
	})
	t.Run("ScanAttributedEvents", func(t *testing.T) {
		var got []recd.Event
		must(t, sc.ScanAttributedEvents(ctx, from, to, func(e recd.Event) error {
			got = append(got, e)
			return nil
		}), "ScanAttributedEvents")
		if len(got) != scanned {
			t.Fatalf("ScanAttributedEvents gave %d events, want %d", len(got), scanned)
		}
		for i, e := range got {
			// Events were added in batch order, so within a timestamp their seqs follow it.
			want := batch[i]
			if e.RecommendationID != want.ID || e.UserID != want.UserID || e.Type != "click" || e.Position == nil || *e.Position != i%2 ||
				!e.Timestamp.Equal(want.Time) || (i > 0 && e.Seq <= got[i-1].Seq) {
				t.Fatalf("ScanAttributedEvents[%d] = %+v, want the click on %s at %v after seq %d", i, e, want.ID, want.Time, got[max(i-1, 0)].Seq)
			}
		}
	})
	t.Run("StopsAtFnError", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := sc.ScanImpressions(ctx, from, to, func(store.Impression) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("ScanImpressions after fn's error: err %v after %d calls, want stop after 1", err, n)
		}
		n = 0
		err = sc.ScanAttributedEvents(ctx, from, to, func(recd.Event) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("ScanAttributedEvents after fn's error: err %v after %d calls, want stop after 1", err, n)
		}
	})
	t.Run("EmptyWindow", func(t *testing.T) {
		n := 0
		must(t, sc.ScanImpressions(ctx, to.Add(time.Hour), to.Add(2*time.Hour), func(store.Impression) error { n++; return nil }), "ScanImpressions")
		must(t, sc.ScanAttributedEvents(ctx, to.Add(time.Hour), to.Add(2*time.Hour), func(recd.Event) error { n++; return nil }), "ScanAttributedEvents")
		if n != 0 {
			t.Errorf("an empty window gave %d rows", n)
		}
	})
}
