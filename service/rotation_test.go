package service

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
)

// A list asked for five times with rotation 0.5 and no click moves its top items down; an
// interaction with an item resets its count; deleting the user forgets their counts.
func TestService_Rotation_SinksItemsShownWithoutInteraction(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	half := 0.5
	req := RecommendRequest{UserID: "u02", N: 6, Rotation: &half}
	var lists [][]string
	for range 5 {
		resp, err := s.Recommend(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		lists = append(lists, ids(resp.Items))
	}
	first, last := lists[0], lists[4]
	for _, id := range first[:2] {
		if i := slices.Index(last, id); i >= 0 && i <= slices.Index(first, id) {
			t.Errorf("%s was at %d in the first list and is at %d in the fifth: %v then %v", id, slices.Index(first, id), i, first, last)
		}
	}
	if slices.Equal(first, last) {
		t.Fatalf("five lists with rotation 0.5 are all %v", first)
	}
	now := time.Now()
	top := first[0]
	if c := s.read.rot.count("u02", top, now); c < 1.5 {
		t.Fatalf("count of %s after it was shown = %v, want at least 1.5", top, c)
	}
	if _, err := s.AddEvents(ctx, []recd.Event{{UserID: "u02", ItemID: top, Type: "click"}}); err != nil {
		t.Fatal(err)
	}
	if c := s.read.rot.count("u02", top, now); c != 0 {
		t.Errorf("count of %s after a click = %v, want 0", top, c)
	}
	if c := s.read.rot.count("u02", first[1], now); c < 1.5 {
		t.Errorf("a click on %s reset %s too (count %v)", top, first[1], c)
	}
	if err := s.DeleteUser(ctx, "u02"); err != nil {
		t.Fatal(err)
	}
	if s.read.rot.users.Contains("u02") {
		t.Errorf("the deleted user's rotation counts are still kept")
	}
}

// Rotation 0, given or by default, leaves the lists exactly as they are without it, however
// often they are served, and keeps no counts.
func TestService_Rotation_ZeroChangesNothing(t *testing.T) {
	s := openTrained(t, filepath.Join(t.TempDir(), "recd.db"), nil, "")
	ctx := t.Context()
	zero := 0.0
	var want []byte
	for i := range 6 {
		req := RecommendRequest{UserID: "u03", N: 6}
		if i%2 == 1 {
			req.Rotation = &zero
		}
		resp, err := s.Recommend(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		resp.RecommendationID = ""
		got, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = got
		} else if string(got) != string(want) {
			t.Fatalf("list %d with rotation %v:\n%s\nwant\n%s", i, req.Rotation, got, want)
		}
	}
	if s.read.rot.users.Contains("u03") {
		t.Errorf("counts kept for lists served with rotation off")
	}
}

// The counts decay by the half-life, restart after an interaction the history shows (an event
// another replica took), and stay within their bounds.
func TestRotationCounts(t *testing.T) {
	c := newRotationCounts(time.Hour)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	items := func(ids ...string) []recd.Recommendation {
		out := make([]recd.Recommendation, len(ids))
		for i, id := range ids {
			out[i] = recd.Recommendation{ID: id}
		}
		return out
	}
	for k := range 3 {
		c.record("u", items("a", "b"), nil, t0.Add(time.Duration(k)*time.Nanosecond))
	}
	if got := c.shown("u", nil, t0.Add(2*time.Nanosecond)); math.Abs(got["a"]-3) > 1e-6 || math.Abs(got["b"]-3) > 1e-6 {
		t.Errorf("after three exposures: %v, want a and b at 3", got)
	}
	if got := c.count("u", "a", t0.Add(time.Hour)); math.Abs(got-1.5) > 1e-6 {
		t.Errorf("an hour (one half-life) later: %v, want 1.5", got)
	}
	if got := c.shown("u", nil, t0.Add(3*time.Hour)); len(got) != 0 {
		t.Errorf("three half-lives later (count 0.375, factor 1): %v, want nothing demoted", got)
	}
	h := []rank.Interaction{{ItemID: "a", Weight: 1, Last: t0.Add(time.Minute)}}
	if got := c.shown("u", h, t0.Add(2*time.Minute)); got["a"] != 0 || got["b"] < 2 {
		t.Errorf("after an interaction with a: %v, want b only", got)
	}
	c.record("u", items("b"), []rank.Interaction{{ItemID: "b", Last: t0.Add(time.Minute)}}, t0.Add(2*time.Minute))
	if got := c.count("u", "b", t0.Add(2*time.Minute)); got != 1 {
		t.Errorf("b shown again after an interaction: count %v, want 1", got)
	}
	for k := range maxRotationItems + 1 {
		c.record("v", items(fmt.Sprint(k)), nil, t0.Add(time.Duration(k)*time.Second))
	}
	m, _ := c.users.Peek("v")
	if len(m) > maxRotationItems || len(m) < maxRotationItems/2 {
		t.Errorf("a user holds %d items, want at most %d", len(m), maxRotationItems)
	}
	if _, ok := m["0"]; ok {
		t.Errorf("the least recently shown item was kept")
	}
	if _, ok := m[fmt.Sprint(maxRotationItems)]; !ok {
		t.Errorf("the most recently shown item was dropped")
	}
}
