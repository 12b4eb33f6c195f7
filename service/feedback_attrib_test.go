package service

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/store"
)

// served asks for a user's recommendations and returns the list.
func served(t *testing.T, s *Service, user string) (id string, items []string) {
	t.Helper()
	resp, err := s.Recommend(t.Context(), RecommendRequest{UserID: user, N: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Items) < 3 {
		t.Fatalf("%s got %d items, want at least 3", user, len(resp.Items))
	}
	for _, it := range resp.Items {
		items = append(items, it.ID)
	}
	return resp.RecommendationID, items
}

func pos(p int) *int { return &p }

func checkAttribution(t *testing.T, what string, got recd.Event, id string, p *int) {
	t.Helper()
	if got.RecommendationID != id || (got.Position == nil) != (p == nil) || (p != nil && *got.Position != *p) {
		t.Errorf("%s: attributed to %q at %v, want %q at %v", what, got.RecommendationID, got.Position, id, p)
	}
}

// The newest stored event of user, as GET of their events returns it.
func newestEvent(t *testing.T, s *Service, user string) recd.Event {
	t.Helper()
	evs, _, err := s.UserEvents(t.Context(), user, "", 1)
	if err != nil || len(evs) != 1 {
		t.Fatalf("UserEvents(%s) = %v, %v", user, evs, err)
	}
	return evs[0]
}

// An event that names its list is stored with it, and with the item's place there when the
// client did not give one; the id is checked against the lists served whether or not they
// have been flushed to the store yet.
func TestService_AddEvents_AttributesToTheNamedList(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	id, items := served(t, s, "u01") // still queued
	if _, err := s.AddEvents(ctx, []recd.Event{{UserID: "u01", ItemID: items[2], Type: "click", RecommendationID: id}}); err != nil {
		t.Fatal(err)
	}
	checkAttribution(t, "queued list", newestEvent(t, s, "u01"), id, pos(2))
	if err := s.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddEvents(ctx, []recd.Event{{UserID: "u01", ItemID: items[1], Type: "view", RecommendationID: id,
		Position: pos(7)}}); err != nil {
		t.Fatal(err)
	}
	checkAttribution(t, "stored list, position given", newestEvent(t, s, "u01"), id, pos(7))
	sim, err := s.Similar(ctx, "i00", 3, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddEvents(ctx, []recd.Event{{UserID: "u05", ItemID: sim.Items[0].ID, Type: "click",
		RecommendationID: sim.RecommendationID}}); err != nil {
		t.Errorf("a click citing an anonymous similar-items list: %v", err)
	}
	checkAttribution(t, "anonymous list", newestEvent(t, s, "u05"), sim.RecommendationID, pos(0))
}

// An id that is malformed, unknown or of another user's list rejects the whole batch with 400
// naming the event's recommendation_id; nothing of the batch is stored.
func TestService_AddEvents_RejectsAForeignOrUnknownList(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	id, items := served(t, s, "u02")
	unknown := newRecommendationID(time.Now())
	for _, tc := range []struct{ name, id string }{{"another user's list", id}, {"unknown id", unknown}, {"malformed", "nope"}} {
		before, err := s.st.CountEvents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.AddEvents(ctx, []recd.Event{
			{UserID: "u03", ItemID: items[0], Type: "view"},
			{UserID: "u03", ItemID: items[0], Type: "click", RecommendationID: tc.id},
		})
		var fe *recd.FieldError
		if !errors.Is(err, recd.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "[1].recommendation_id" {
			t.Errorf("%s: err = %v, want ErrInvalid naming [1].recommendation_id", tc.name, err)
		}
		if after, _ := s.st.CountEvents(ctx); after != before {
			t.Errorf("%s: %d events stored from a rejected batch", tc.name, after-before)
		}
	}
}

// A click without an id goes to the newest list that showed its item to its user within the
// window: never to another user's list, never to a list older than the window, never for an
// event type that is not attributed.
func TestService_AddEvents_AttributesToTheNewestListShowingTheItem(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	first, items := served(t, s, "u04") // flushed to the store
	if err := s.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	second, again := served(t, s, "u04") // queued, and newer
	if first == second || again[0] != items[0] {
		t.Fatalf("two requests in a row: ids %q, %q, first items %q, %q", first, second, items[0], again[0])
	}
	add := func(e recd.Event) recd.Event {
		t.Helper()
		if _, err := s.AddEvents(ctx, []recd.Event{e}); err != nil {
			t.Fatal(err)
		}
		return newestEvent(t, s, e.UserID)
	}
	checkAttribution(t, "click on the newest list", add(recd.Event{UserID: "u04", ItemID: items[0], Type: "click"}), second, pos(0))
	checkAttribution(t, "view (not attributed)", add(recd.Event{UserID: "u04", ItemID: items[1], Type: "view"}), "", nil)
	checkAttribution(t, "another user's click", add(recd.Event{UserID: "u06", ItemID: items[0], Type: "purchase"}), "", nil)

	// A list older than the window (30m by default) is not the event's.
	old := store.Impression{ID: newRecommendationID(time.Now().Add(-time.Hour)), UserID: "u07", Route: RouteRecommend,
		Time: time.Now().Add(-time.Hour), Items: []store.ImpressionItem{{ItemID: "i01", Position: 0}}}
	if err := impressionStore(t, s).PutImpressions(ctx, []store.Impression{old}); err != nil {
		t.Fatal(err)
	}
	checkAttribution(t, "list older than the window", add(recd.Event{UserID: "u07", ItemID: "i01", Type: "click"}), "", nil)
	checkAttribution(t, "same list within the window", add(recd.Event{UserID: "u07", ItemID: "i01", Type: "click",
		Timestamp: time.Now().Add(-50 * time.Minute)}), old.ID, pos(0))
}

// A click looks at its user's newest AttributionLists stored lists (lists another replica
// served, not in this one's memory) and no further: a list that many lists older is not
// found, one just within the bound is.
func TestService_AddEvents_LooksAtTheNewestStoredListsOnly(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	bound := s.read.imp.opts.AttributionLists
	if bound != DefaultFeedbackOptions().AttributionLists {
		t.Fatalf("AttributionLists = %d, want the default %d", bound, DefaultFeedbackOptions().AttributionLists)
	}
	t0 := time.Now().Add(-10 * time.Minute)
	var lists []store.Impression
	for i := range bound + 1 { // the oldest shows i01, the next i02, the rest i03
		at := t0.Add(time.Duration(i) * time.Second)
		item := "i03"
		if i < 2 {
			item = []string{"i01", "i02"}[i]
		}
		lists = append(lists, store.Impression{ID: newRecommendationID(at), UserID: "u08", Route: RouteRecommend, Time: at,
			Items: []store.ImpressionItem{{ItemID: item, Position: 0}}})
	}
	if err := impressionStore(t, s).PutImpressions(ctx, lists); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		item, want string
	}{{"i01", ""}, {"i02", lists[1].ID}, {"i03", lists[bound].ID}} {
		if _, err := s.AddEvents(ctx, []recd.Event{{UserID: "u08", ItemID: tc.item, Type: "click"}}); err != nil {
			t.Fatal(err)
		}
		var p *int
		if tc.want != "" {
			p = pos(0)
		}
		checkAttribution(t, "click on "+tc.item, newestEvent(t, s, "u08"), tc.want, p)
	}
}

// A batch of many attributed events asks the store once whether any list was served in their
// span, and skips each event's lookup when none was (an import of past events); a list in the
// span is still found for the event it belongs to.
func TestService_AddEvents_AttributesABatchByItsSpan(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	t0 := time.Date(2016, 3, 1, 10, 0, 0, 0, time.UTC)
	old := store.Impression{ID: newRecommendationID(t0), UserID: "u10", Route: RouteRecommend, Time: t0,
		Items: []store.ImpressionItem{{ItemID: "i01", Position: 0}, {ItemID: "i02", Position: 1}}}
	if err := impressionStore(t, s).PutImpressions(ctx, []store.Impression{old}); err != nil {
		t.Fatal(err)
	}
	batch := func(at time.Time, n int) []recd.Event {
		var evs []recd.Event
		for k := range n {
			evs = append(evs, recd.Event{UserID: "u10", ItemID: fmt.Sprintf("i%02d", 2+k), Type: "click",
				Timestamp: at.Add(time.Duration(k) * time.Second)})
		}
		return evs
	}
	imp := s.read.imp
	for _, tc := range []struct {
		what   string
		events []recd.Event
		want   bool
	}{
		{"a past batch, no list in its span", batch(t0.AddDate(1, 0, 0), spanCheckEvents), false},
		{"a smaller batch is not asked about", batch(t0.AddDate(1, 0, 0), spanCheckEvents-1), true},
		{"a batch whose span holds a list", batch(t0.Add(time.Minute), spanCheckEvents), true},
	} {
		if got := imp.storedListsIn(ctx, tc.events); got != tc.want {
			t.Errorf("%s: storedListsIn = %v, want %v", tc.what, got, tc.want)
		}
	}
	if _, err := s.AddEvents(ctx, batch(t0.Add(time.Minute), spanCheckEvents)); err != nil {
		t.Fatal(err)
	}
	evs, _, err := s.UserEvents(ctx, "u10", "", 2*spanCheckEvents)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range evs {
		if e.Timestamp.Before(t0) || e.Timestamp.After(t0.Add(time.Hour)) {
			continue
		}
		seen++
		if want := e.ItemID == "i02"; (e.RecommendationID == old.ID) != want {
			t.Errorf("the 2016 click on %s: attributed to %q, want the 2016 list: %v", e.ItemID, e.RecommendationID, want)
		}
	}
	if seen != spanCheckEvents {
		t.Errorf("%d of the batch's %d events stored", seen, spanCheckEvents)
	}
}
