package service

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/store"
)

// fieldOf returns the field a *recd.FieldError names ("" for another error).
func fieldOf(err error) string {
	var fe *recd.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// Five consecutive next pages (each asked for by the previous page's id, the first before
// anything was flushed) never repeat an item of the list or its earlier pages and never show
// an item the user interacted with, even one clicked between two pages; every page is
// recorded with the first page as its parent.
func TestService_Next_FivePagesNeverRepeat(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	first, err := s.Recommend(ctx, RecommendRequest{UserID: "u01", N: 4})
	if err != nil {
		t.Fatal(err)
	}
	shown := ids(first.Items)
	// An item the user clicks between two pages: the first the list would show after page 2.
	ahead, err := s.Recommend(ctx, RecommendRequest{UserID: "u01", N: 16})
	if err != nil {
		t.Fatal(err)
	}
	clicked := ids(ahead.Items)[12]
	prev, pageIDs := first.RecommendationID, []string{}
	for page := 1; page <= 5; page++ {
		if page == 2 {
			if err := s.FlushImpressions(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if page == 3 {
			if _, err := s.AddEvents(ctx, []recd.Event{{UserID: "u01", ItemID: clicked, Type: "click"}}); err != nil {
				t.Fatal(err)
			}
		}
		next, err := s.Next(ctx, NextRequest{ID: prev, N: 4})
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if len(next.Items) != 4 || next.RecommendationID == prev || !validRecommendationID(next.RecommendationID) {
			t.Fatalf("page %d: %d items, id %q (previous %q)", page, len(next.Items), next.RecommendationID, prev)
		}
		for _, id := range ids(next.Items) {
			if slices.Contains(shown, id) {
				t.Errorf("page %d repeats %s (shown before: %v)", page, id, shown)
			}
			shown = append(shown, id)
		}
		prev = next.RecommendationID
		pageIDs = append(pageIDs, prev)
	}
	for _, h := range s.History("u01") {
		if i := slices.Index(shown, h.ItemID); i >= 4 { // the first page was served before the click
			t.Errorf("item %s of the user's history shown at %d", h.ItemID, i)
		}
	}
	if !slices.ContainsFunc(s.History("u01"), func(h rank.Interaction) bool { return h.ItemID == clicked }) {
		t.Fatalf("the click on %s is not in the history", clicked)
	}
	if err := s.FlushImpressions(ctx); err != nil {
		t.Fatal(err)
	}
	for i, id := range pageIDs {
		im, err := impressionStore(t, s).GetImpression(ctx, id)
		if err != nil || im.Parent != first.RecommendationID || im.UserID != "u01" || im.Route != RouteRecommend {
			t.Errorf("page %d recorded as %+v, %v; want user u01 and parent %s", i+1, im, err, first.RecommendationID)
		}
	}
}

// A later page ranks as a larger first page would, without the items shown: asking a fresh
// list for 8 gives its first 4 and then the page's 4.
func TestService_Next_ContinuesTheRanking(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	div := 0.0
	req := RecommendRequest{UserID: "u05", N: 8, Diversity: &div, Rules: rank.Rules{Exclude: []string{"i03"}}}
	whole, err := s.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.N = 4
	first, err := s.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	next, err := s.Next(ctx, NextRequest{ID: first.RecommendationID, N: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := append(ids(first.Items), ids(next.Items)...), ids(whole.Items); !slices.Equal(got, want) {
		t.Errorf("first page + next page = %v, want the list of 8 %v", got, want)
	}
	if slices.Contains(ids(next.Items), "i03") {
		t.Errorf("the next page shows i03, which the first page's request excluded")
	}
}

// Unknown, expired and malformed ids, lists that have no next page, sessions that do not hold
// the list and n out of bounds are refused, each naming its field.
func TestService_Next_Refusals(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	old := store.Impression{ID: newRecommendationID(time.Now().Add(-800 * time.Hour)), UserID: "u04",
		Route: RouteRecommend, Time: time.Now().Add(-800 * time.Hour), Params: `{"v":1,"req":{"UserID":"u04","N":3}}`}
	if err := impressionStore(t, s).PutImpressions(ctx, []store.Impression{old}); err != nil {
		t.Fatal(err)
	}
	sim, err := s.Similar(ctx, "i00", 3, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	anon, err := s.Recommend(ctx, RecommendRequest{SessionID: "s9", ContextItems: []string{"i02"}, N: 3})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := s.Recommend(ctx, RecommendRequest{UserID: "u02", N: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		req   NextRequest
		class error
		field string
	}{
		{"unknown", NextRequest{ID: newRecommendationID(time.Now()), N: 3}, recd.ErrNotFound, "recommendation_id"},
		{"expired", NextRequest{ID: old.ID, N: 3}, recd.ErrNotFound, "recommendation_id"},
		{"malformed", NextRequest{ID: "not-an-id", N: 3}, recd.ErrInvalid, "recommendation_id"},
		{"similar list", NextRequest{ID: sim.RecommendationID, N: 3}, recd.ErrInvalid, "recommendation_id"},
		{"session list without its session", NextRequest{ID: anon.RecommendationID, N: 3}, recd.ErrNotFound, "recommendation_id"},
		{"session list, another session", NextRequest{ID: anon.RecommendationID, SessionID: "s8", N: 3}, recd.ErrNotFound, "recommendation_id"},
		{"n 0", NextRequest{ID: mine.RecommendationID, N: 0}, recd.ErrInvalid, "n"},
		{"n over max_n", NextRequest{ID: mine.RecommendationID, N: s.opts.Limits.MaxN + 1}, recd.ErrInvalid, "n"},
	} {
		_, err := s.Next(ctx, tc.req)
		if !errors.Is(err, tc.class) || fieldOf(err) != tc.field {
			t.Errorf("%s: err %v (field %q), want %v naming %q", tc.name, err, fieldOf(err), tc.class, tc.field)
		}
	}
	got, err := s.Next(ctx, NextRequest{ID: anon.RecommendationID, SessionID: "s9", N: 3})
	if err != nil || len(got.Items) != 3 || slices.ContainsFunc(ids(got.Items), func(id string) bool {
		return slices.Contains(ids(anon.Items), id)
	}) {
		t.Errorf("the session's own next page: %v, %v; want 3 items not in %v", got.Items, err, ids(anon.Items))
	}
}

// A list has at most MaxPages pages, so what a next page leaves out stays bounded.
func TestService_Next_PagesAreBounded(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	first, err := s.Recommend(ctx, RecommendRequest{UserID: "u06", N: 1})
	if err != nil {
		t.Fatal(err)
	}
	for page := 1; page < MaxPages; page++ {
		if page == MaxPages/2 {
			if err := s.FlushImpressions(ctx); err != nil { // pages found in the store and the queue
				t.Fatal(err)
			}
		}
		if _, err := s.Next(ctx, NextRequest{ID: first.RecommendationID, N: 1}); err != nil {
			t.Fatalf("page %d: %v", page+1, err)
		}
	}
	_, err = s.Next(ctx, NextRequest{ID: first.RecommendationID, N: 1})
	if !errors.Is(err, recd.ErrInvalid) || fieldOf(err) != "recommendation_id" {
		t.Errorf("page %d: err %v, want invalid recommendation_id", MaxPages+1, err)
	}
}

// A request too large to keep with its list leaves the list without next pages, and says so.
func TestService_Next_RequestTooLargeToKeep(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	var excl []string
	for i := range 200 {
		excl = append(excl, fmt.Sprintf("%0100d", i)) // 200 ids of 100 bytes: over maxPageParams
	}
	first, err := s.Recommend(ctx, RecommendRequest{UserID: "u07", N: 3, Rules: rank.Rules{Exclude: excl}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Next(ctx, NextRequest{ID: first.RecommendationID, N: 3})
	if !errors.Is(err, recd.ErrInvalid) || fieldOf(err) != "recommendation_id" || !strings.Contains(err.Error(), "not kept") {
		t.Errorf("next page of a list whose request was not kept: %v, want invalid recommendation_id", err)
	}
}

// Pages served alternately by two replicas over one store never repeat an item: each replica
// finds the list and the pages the other flushed. A page asked for on a replica before the
// other flushed the list is not found there.
func TestService_Next_AcrossReplicas(t *testing.T) {
	ctx := t.Context()
	db := filepath.Join(t.TempDir(), "shared.db")
	a := openTrained(t, db, nil, "")
	b := openTrained(t, db, nil, "")
	first, err := a.Recommend(ctx, RecommendRequest{UserID: "u08", N: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Next(ctx, NextRequest{ID: first.RecommendationID, N: 4}); !errors.Is(err, recd.ErrNotFound) {
		t.Errorf("replica b, before a flushed the list: %v, want not found", err)
	}
	shown, id := ids(first.Items), first.RecommendationID
	for page, s := range []*Service{a, b, a, b} {
		if err := a.FlushImpressions(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.FlushImpressions(ctx); err != nil {
			t.Fatal(err)
		}
		next, err := s.Next(ctx, NextRequest{ID: id, N: 4})
		if err != nil || len(next.Items) != 4 {
			t.Fatalf("page %d: %d items, %v", page+2, len(next.Items), err)
		}
		for _, it := range ids(next.Items) {
			if slices.Contains(shown, it) {
				t.Errorf("page %d repeats %s (shown: %v)", page+2, it, shown)
			}
			shown = append(shown, it)
		}
		id = next.RecommendationID
	}
}
