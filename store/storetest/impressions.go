package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// impressionsOf returns the store's impression log, skipping the test when it has none.
func impressionsOf(t *testing.T, h *handle) store.Impressions {
	t.Helper()
	im, ok := h.Store.(store.Impressions)
	if !ok {
		t.Skip("the store records no impressions (store.Impressions)")
	}
	return im
}

func impression(id, user string, at time.Time, items ...string) store.Impression {
	im := store.Impression{ID: id, UserID: user, SessionID: "s-" + user, Route: "recommend", Strategy: "cf",
		ModelVersion: "v1", Time: at}
	for i, it := range items {
		im.Items = append(im.Items, store.ImpressionItem{ItemID: it, Position: i, Score: 1 / float64(i+1)})
	}
	return im
}

// checkLatestImpressionOf checks the lookup attribution uses against testImpressions' batch.
func checkLatestImpressionOf(t *testing.T, ims store.Impressions, t0 time.Time) {
	ctx := t.Context()
	later := t0.Add(time.Hour)
	for _, tc := range []struct {
		user, item string
		since      time.Time
		until      time.Time
		want       string // "" for not found
		pos        int
	}{
		{"u1", "b", t0, later, "01B", 0},
		{"u1", "b", t0, t0.Add(time.Minute - 1), "01A", 1}, // the newer list is after until
		{"u1", "c", t0, later, "01A", 2},
		{"u1", "a", t0, t0, "01A", 0},
		{"u1", "a", t0.Add(time.Nanosecond), later, "", 0},
		{"u1", "d", t0.Add(time.Minute), later, "01B", 1},
		{"u2", "b", t0, later, "01C", 0},
		{"u2", "a", t0, later, "", 0}, // never crosses users
		{"", "b", t0, later, "", 0},   // anonymous lists are not attributed
	} {
		got, err := ims.LatestImpressionOf(ctx, tc.user, tc.item, tc.since, tc.until, 0)
		switch {
		case tc.want == "" && !errors.Is(err, store.ErrNotFound):
			t.Errorf("LatestImpressionOf(%q, %q, %v) = %q, %v; want ErrNotFound", tc.user, tc.item, tc.since, got.ID, err)
		case tc.want != "" && (err != nil || got.ID != tc.want):
			t.Errorf("LatestImpressionOf(%q, %q, %v) = %q, %v; want %q", tc.user, tc.item, tc.since, got.ID, err, tc.want)
		case tc.want != "" && (got.UserID != tc.user || got.Route != "recommend" || len(got.Items) != 1 || got.Items[0].ItemID != tc.item ||
			got.Items[0].Position != tc.pos || got.Items[0].Score != 1/float64(tc.pos+1)):
			t.Errorf("LatestImpressionOf(%q, %q, %v) = %+v; want the list with only the item's entry at %d", tc.user, tc.item, tc.since, got, tc.pos)
		}
	}
}

// checkAnyImpressionBetween checks the span test attribution asks once per batch against
// testImpressions' batch.
func checkAnyImpressionBetween(t *testing.T, ims store.Impressions, t0 time.Time) {
	sp, ok := ims.(store.ImpressionSpans)
	if !ok {
		t.Skip("the store does not tell spans (store.ImpressionSpans)")
	}
	for _, tc := range []struct {
		since, until time.Time
		want         bool
	}{
		{t0, t0, true}, // 01A, both ends included
		{t0.Add(-time.Hour), t0.Add(-time.Nanosecond), false},
		{t0.Add(24 * time.Hour), t0.Add(48 * time.Hour), false},
		{t0.Add(-time.Hour), t0.Add(time.Hour), true},
	} {
		if got, err := sp.AnyImpressionBetween(t.Context(), tc.since, tc.until); err != nil || got != tc.want {
			t.Errorf("AnyImpressionBetween(%v, %v) = %v, %v; want %v", tc.since, tc.until, got, err, tc.want)
		}
	}
}

// checkLatestImpressionOfBounded stores a user's lists and looks only at the newest of them:
// a list older than the bound is not found, whatever it showed, and an item is found by its
// whole id only (never by a prefix of it or inside another id), however odd its characters.
func checkLatestImpressionOfBounded(t *testing.T, ims store.Impressions, t0 time.Time) {
	ctx := t.Context()
	t0 = t0.Add(10 * time.Minute) // after every list the later subtests count
	must(t, ims.PutImpressions(ctx, []store.Impression{
		impression("02A", "u7", t0, "old", `q"x`, "b"),
		impression("02B", "u7", t0.Add(time.Second), "bb", "ab", `\b`, "mid"),
		impression("02C", "u7", t0.Add(2*time.Second), "new", "b"),
		impression("02D", "u7", t0.Add(2*time.Second), "new2"), // same time: the id orders them
	}), "PutImpressions")
	later := t0.Add(time.Hour)
	for _, tc := range []struct {
		item  string
		lists int
		want  string // "" for not found
		pos   int
	}{
		{"new2", 1, "02D", 0},
		{"new", 1, "", 0}, // 02D is the newest: at the same time, the greater id
		{"new", 2, "02C", 0},
		{"b", 2, "02C", 1},
		{"mid", 2, "", 0},
		{"mid", 3, "02B", 3},
		{"old", 3, "", 0},
		{"old", 4, "02A", 0},
		{"old", 0, "02A", 0},
		{`q"x`, 0, "02A", 1},
		{`\b`, 0, "02B", 2},
		{"a", 0, "", 0}, // only inside "ab"
		{"q", 0, "", 0}, // only a prefix of q"x
		{"x", 0, "", 0},
	} {
		got, err := ims.LatestImpressionOf(ctx, "u7", tc.item, t0, later, tc.lists)
		switch {
		case tc.want == "" && !errors.Is(err, store.ErrNotFound):
			t.Errorf("LatestImpressionOf(u7, %q, lists %d) = %q, %v; want ErrNotFound", tc.item, tc.lists, got.ID, err)
		case tc.want != "" && (err != nil || got.ID != tc.want || len(got.Items) != 1 || got.Items[0].ItemID != tc.item || got.Items[0].Position != tc.pos):
			t.Errorf("LatestImpressionOf(u7, %q, lists %d) = %+v, %v; want %q with the item at %d", tc.item, tc.lists, got, err, tc.want, tc.pos)
		}
	}
	// The bound counts the lists in the span, not every list of the user.
	if got, err := ims.LatestImpressionOf(ctx, "u7", "mid", t0, t0.Add(time.Second), 1); err != nil || got.ID != "02B" {
		t.Errorf("LatestImpressionOf(u7, mid, until 02B, lists 1) = %q, %v; want 02B", got.ID, err)
	}
}

// checkLaterPages stores two more pages of 01A and one of another list, and finds 01A's
// three pages in the order they were served, bounded by the limit.
func checkLaterPages(t *testing.T, ims store.Impressions, t0 time.Time) {
	pages, ok := ims.(store.ImpressionPages)
	if !ok {
		t.Skip("the store serves no later pages")
	}
	ctx := t.Context()
	more := []store.Impression{impression("01G", "u9", t0.Add(5*time.Minute), "f"),
		impression("01F", "u9", t0.Add(4*time.Minute), "e"), impression("01H", "u9", t0.Add(3*time.Minute), "g")}
	more[0].Parent, more[1].Parent, more[2].Parent = "01A", "01A", "01C"
	must(t, ims.PutImpressions(ctx, more), "PutImpressions")
	got, err := pages.LaterPages(ctx, "01A", 10)
	must(t, err, "LaterPages")
	var ids []string
	for _, im := range got {
		ids = append(ids, im.ID)
	}
	if want := []string{"01B", "01F", "01G"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("LaterPages(01A) = %v, want %v", ids, want)
	}
	if len(got) > 1 && !reflect.DeepEqual(got[1], more[1]) {
		t.Errorf("LaterPages(01A)[1] = %+v, want %+v", got[1], more[1])
	}
	if got, err := pages.LaterPages(ctx, "01A", 2); err != nil || len(got) != 2 {
		t.Errorf("LaterPages(01A, limit 2) = %d pages, %v; want 2", len(got), err)
	}
	for _, parent := range []string{"", "01B", "nope"} {
		if got, err := pages.LaterPages(ctx, parent, 10); err != nil || len(got) != 0 {
			t.Errorf("LaterPages(%q) = %v, %v; want none", parent, got, err)
		}
	}
}

func testImpressions(t *testing.T, open Opener) {
	h := openStore(t, open)
	ims := impressionsOf(t, h)
	ctx := t.Context()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	batch := []store.Impression{
		impression("01A", "u1", t0, "a", "b", "c"),
		impression("01B", "u1", t0.Add(time.Minute), "b", "d"),
		impression("01C", "u2", t0.Add(2*time.Minute), "b"),
		impression("01D", "", t0.Add(3*time.Minute), "b"),
	}
	// One list served under an interleaving experiment as a later page, so every column
	// round-trips.
	batch[1].Experiment, batch[1].Variant, batch[1].Parent, batch[1].Params = "exp-1", "interleaved", "01A", `{"n":2}`
	batch[1].Items[0].Variant, batch[1].Items[1].Variant = "control", "treatment"
	// The learned ranker's logged feature rows (one scored item, one not) of a list swapped for
	// the propensity estimate.
	batch[1].Features = &store.FeatureLog{Names: []string{"f0", "f1"}, Rows: [][]float32{{0.25, -3}, {}}, Swap: 1}

	must(t, ims.PutImpressions(ctx, batch), "PutImpressions")

	t.Run("GetImpression", func(t *testing.T) {
		for _, want := range batch[:2] {
			got, err := ims.GetImpression(ctx, want.ID)
			must(t, err, "GetImpression")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("GetImpression = %+v, want %+v", got, want)
			}
		}
		if _, err := ims.GetImpression(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetImpression(unknown) err = %v, want ErrNotFound", err)
		}
	})
	t.Run("DuplicateIDRejectsTheBatch", func(t *testing.T) {
		err := ims.PutImpressions(ctx, []store.Impression{impression("01E", "u3", t0, "x"), impression("01A", "u3", t0, "y")})
		if !errors.Is(err, recd.ErrInvalid) {
			t.Errorf("PutImpressions(duplicate id) err = %v, want ErrInvalid", err)
		}
		if _, err := ims.GetImpression(ctx, "01E"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a failed batch stored part of itself: GetImpression(01E) err = %v", err)
		}
	})
	t.Run("LatestImpressionOf", func(t *testing.T) { checkLatestImpressionOf(t, ims, t0) })
	t.Run("AnyImpressionBetween", func(t *testing.T) { checkAnyImpressionBetween(t, ims, t0) })
	t.Run("LatestImpressionOfBounded", func(t *testing.T) { checkLatestImpressionOfBounded(t, ims, t0) })
	t.Run("LaterPages", func(t *testing.T) { checkLaterPages(t, ims, t0) })
	t.Run("DeleteUserImpressions", func(t *testing.T) {
		n, err := ims.DeleteUserImpressions(ctx, "u1")
		must(t, err, "DeleteUserImpressions")
		if n != 2 {
			t.Errorf("DeleteUserImpressions(u1) = %d, want 2", n)
		}
		if _, err := ims.LatestImpressionOf(ctx, "u1", "b", t0, t0.Add(time.Hour), 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("u1's impressions still found after their delete: %v", err)
		}
		if _, err := ims.GetImpression(ctx, "01C"); err != nil {
			t.Errorf("another user's impression went with u1's: %v", err)
		}
	})
	t.Run("DeleteImpressionsBefore", func(t *testing.T) {
		n, err := ims.DeleteImpressionsBefore(ctx, t0.Add(3*time.Minute))
		must(t, err, "DeleteImpressionsBefore")
		if n != 1 {
			t.Errorf("DeleteImpressionsBefore = %d, want 1 (01C)", n)
		}
		if _, err := ims.GetImpression(ctx, "01C"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetImpression(01C) after retention err = %v, want ErrNotFound", err)
		}
		if _, err := ims.GetImpression(ctx, "01D"); err != nil {
			t.Errorf("an impression at the cut-off was deleted: %v", err)
		}
	})
}

// An event's attribution (the list it names and the item's position there) is stored with it
// and read back; an event attributed to nothing reads back with neither.
func testEventAttribution(t *testing.T, open Opener) {
	h := openStore(t, open)
	ctx := t.Context()
	pos := 3
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	in := []recd.Event{
		{UserID: "u1", ItemID: "a", Type: "click", Timestamp: t0, RecommendationID: "01ARYZ6S41TSV4RRFFQ69G5FAV", Position: &pos},
		{UserID: "u1", ItemID: "b", Type: "view", Timestamp: t0.Add(time.Second)},
	}
	stored, err := h.AddEvents(ctx, in)
	must(t, err, "AddEvents")
	got, _, err := h.UserEvents(ctx, "u1", "", 10)
	must(t, err, "UserEvents")
	if len(got) != 2 {
		t.Fatalf("UserEvents = %d events, want 2", len(got))
	}
	for i, want := range []recd.Event{stored[1], stored[0]} { // newest first
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("UserEvents[%d] = %+v, want %+v", i, got[i], want)
		}
	}
	if got[1].Position == nil || *got[1].Position != 3 || got[1].RecommendationID != in[0].RecommendationID {
		t.Errorf("attributed event read back as %+v", got[1])
	}
	if got[0].Position != nil || got[0].RecommendationID != "" {
		t.Errorf("unattributed event read back with an attribution: %+v", got[0])
	}
	neg := -1
	if _, err := h.AddEvents(ctx, []recd.Event{{UserID: "u1", ItemID: "a", Type: "click", Position: &neg}}); !errors.Is(err, recd.ErrInvalid) {
		t.Errorf("AddEvents(position -1) err = %v, want ErrInvalid", err)
	}
}
