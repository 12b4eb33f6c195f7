package client

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd"
)

func TestLive_ItemRoundTrip(t *testing.T) {
	l, ctx := liveServer(t), ctxT(t)
	put := must(l.admin.PutItem(ctx, recd.Item{ID: "rt-itém?1", Title: "Round trip", Categories: []string{"Comedy"},
		Tags: []string{"t"}, Attributes: map[string]any{"year": 1999.0, "lang": "en"}, Available: true,
		Vectors: map[string][]float32{}}))(t)
	got := must(l.reader.GetItem(ctx, "rt-itém?1"))(t)
	// What GET returns is what PUT takes: sending it back changes nothing but UpdatedAt.
	again := must(l.admin.PutItem(ctx, got))(t)
	back := must(l.reader.GetItem(ctx, "rt-itém?1"))(t)
	for _, it := range []recd.Item{put, again, back} {
		if it.ID != "rt-itém?1" || it.Title != "Round trip" || !it.Available || !slices.Equal(it.Categories, []string{"Comedy"}) ||
			it.Attributes["lang"] != "en" || it.Attributes["year"] != 1999.0 || it.CreatedAt.IsZero() {
			t.Fatalf("item = %+v, want the one put", it)
		}
	}
	if !back.CreatedAt.Equal(put.CreatedAt) {
		t.Fatalf("created_at moved from %v to %v on a replace", put.CreatedAt, back.CreatedAt)
	}
	noErr(t, l.admin.DeleteItem(ctx, "rt-itém?1"))
	if _, err := l.reader.GetItem(ctx, "rt-itém?1"); !IsNotFound(err) {
		t.Fatalf("after delete err = %v, want not found", err)
	}
}

func TestLive_UserRoundTrip(t *testing.T) {
	l, ctx := liveServer(t), ctxT(t)
	must(l.admin.PutUser(ctx, recd.User{ID: "rt-user", Attributes: map[string]any{"country": "FR"}}))(t)
	got := must(l.reader.GetUser(ctx, "rt-user"))(t)
	must(l.admin.PutUser(ctx, got))(t)
	back := must(l.reader.GetUser(ctx, "rt-user"))(t)
	if back.ID != "rt-user" || back.Attributes["country"] != "FR" || !back.CreatedAt.Equal(got.CreatedAt) {
		t.Fatalf("user = %+v, want %+v", back, got)
	}
	noErr(t, l.admin.DeleteUser(ctx, "rt-user"))
	if _, err := l.reader.GetUser(ctx, "rt-user"); !IsNotFound(err) {
		t.Fatalf("after delete err = %v, want not found", err)
	}
}

func TestLive_Errors(t *testing.T) {
	l, ctx := liveServer(t), ctxT(t)
	_, err := l.reader.GetItem(ctx, "no-such-item")
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusNotFound || e.Code != "not_found" || !errors.Is(err, recd.ErrNotFound) {
		t.Fatalf("unknown item: err = %v, want a 404 not_found *Error", err)
	}
	for name, tc := range map[string]struct {
		call  func() error
		field string
	}{
		"n too large": {func() error { _, err := l.reader.Recommend(ctx, "u01", 1_000_000); return err }, "n"},
		"diversity":   {func() error { _, err := l.reader.Recommend(ctx, "u01", 5, Diversity(2)); return err }, "diversity"},
		"query text":  {func() error { _, err := l.reader.Query(ctx, strings.Repeat("x", 100_000)); return err }, "text"},
	} {
		err := tc.call()
		if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest || e.Field != tc.field || !IsInvalid(err) {
			t.Errorf("%s: err = %v, want a 400 naming field %q", name, err, tc.field)
		}
	}
	if _, err := l.anon.Popular(ctx, 3); !errors.As(err, &e) || e.StatusCode != http.StatusUnauthorized || !IsUnauthorized(err) {
		t.Fatalf("without a key: err = %v, want 401", err)
	}
	if err := l.reader.DeleteItem(ctx, "i00"); !errors.As(err, &e) || e.StatusCode != http.StatusForbidden {
		t.Fatalf("read key deleting: err = %v, want 403", err)
	}
	_, err = l.admin.AddEvents(ctx, []recd.Event{{UserID: "u01", ItemID: "no-such-item", Type: "view"}})
	if !errors.As(err, &e) || e.StatusCode != http.StatusUnprocessableEntity || !errors.Is(err, recd.ErrUnprocessable) {
		t.Fatalf("event on an unknown item: err = %v, want 422", err)
	}
}

// collect drains a paged iterator, failing the test on its error.
func collect[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestLive_ListItemsPaginates(t *testing.T) {
	l, ctx := liveServer(t), ctxT(t)
	var ids []string
	for _, it := range collect(t, l.reader.ListItems(ctx, 7)) {
		ids = append(ids, it.ID)
	}
	var oneID []string
	for _, it := range collect(t, l.reader.ListItems(ctx, 1000)) {
		oneID = append(oneID, it.ID)
	}
	if !slices.Equal(ids, oneID) || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Fatalf("pages of 7 gave %v, one page %v: want the same sorted ids once each", ids, oneID)
	}
	for id := range l.items {
		if !slices.Contains(ids, id) {
			t.Fatalf("item %s missing from the listing", id)
		}
	}
	n := 0
	for range l.reader.ListItems(ctx, 2) {
		if n++; n == 3 {
			break // stopping early must not panic or fetch on
		}
	}
	_, err := collectErr(l.anon.ListItems(ctx, 5))
	if !IsUnauthorized(err) {
		t.Fatalf("listing without a key: err = %v, want 401 from the iterator", err)
	}
}

func collectErr[T any](seq iter.Seq2[T, error]) (int, error) {
	n := 0
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func TestLive_PutItemsStreamReportsLines(t *testing.T) {
	l, ctx := liveServer(t), ctxT(t)
	items := []recd.Item{{ID: "s1", Available: true}, {ID: "s2", Available: true}, {ID: ""}, {ID: "s4", Available: true}}
	res, err := l.admin.PutItemsStream(ctx, slices.Values(items))
	if err != nil {
		t.Fatal(err)
	}
	if res.Stored != 3 || len(res.Rejected) != 1 || res.Rejected[0].Line != 3 || res.Rejected[0].Error.Code != "invalid_argument" {
		t.Fatalf("result = %+v, want 3 stored and line 3 rejected", res)
	}
	must(l.reader.GetItem(ctx, "s4"))(t)
	res, err = l.admin.PutItemsStream(ctx, slices.Values([]recd.Item{{ID: ""}, {ID: ""}}))
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusUnprocessableEntity || len(res.Rejected) != 2 {
		t.Fatalf("all bad: err = %v, result %+v, want 422 listing both lines", err, res)
	}
	for _, id := range []string{"s1", "s2", "s4"} {
		noErr(t, l.admin.DeleteItem(ctx, id))
	}
	if _, err := l.admin.PutItems(ctx, []recd.Item{{ID: "ok"}, {ID: ""}}); !IsInvalid(err) {
		t.Fatalf("JSON batch with a bad item: err = %v, want 400", err)
	}
	if _, err := l.reader.GetItem(ctx, "ok"); !IsNotFound(err) {
		t.Fatalf("a JSON batch is all or nothing, but ok was stored (err %v)", err)
	}
}

func TestLive_EventsAndUserEvents(t *testing.T) {
	l, ctx := liveServer(t), ctxT(t)
	res := must(l.admin.AddEvents(ctx, []recd.Event{{UserID: "ev-user", ItemID: "i01", Type: "view"},
		{UserID: "ev-user", ItemID: "i04", Type: "rating", Value: 4, SessionID: "s"}}))(t)
	if res.Stored != 2 || res.LastSeq != res.FirstSeq+1 {
		t.Fatalf("result = %+v, want 2 stored with consecutive seqs", res)
	}
	evs := collect(t, l.reader.UserEvents(ctx, "ev-user", 1))
	if len(evs) != 2 || evs[0].ItemID != "i04" || evs[0].Value != 4 || evs[0].SessionID != "s" || evs[1].ItemID != "i01" {
		t.Fatalf("events = %+v, want i04 then i01 (newest first)", evs)
	}
	noErr(t, l.admin.DeleteUser(ctx, "ev-user"))
	if evs := collect(t, l.reader.UserEvents(ctx, "ev-user", 10)); len(evs) != 0 {
		t.Fatalf("events after deleting the user = %+v", evs)
	}
}

// inCategory reports whether every recommended item is a fixture item of cat.
func (l *live) inCategory(recs []recd.Recommendation, cat string) bool {
	for _, r := range recs {
		if it, ok := l.items[r.ID]; !ok || !slices.Contains(it.Categories, cat) {
			return false
		}
	}
	return true
}

func TestLive_Recommendations(t *testing.T) {
	l, ctx := liveServer(t), ctxT(t)
	got := must(l.reader.Recommend(ctx, "u00", 4, Categories("Comedy"), Exclude("i00", "i03"), Diversity(0.3),
		Calibration(0.2), LongTailShare(0.1), SessionWeight(0.2), ExposureStrength(0.1), SessionID("sess"),
		ExcludeCategories("Horror"), Filters("year>=1981"), Boosts("category=Comedy^1.5")))(t)
	if len(got.Items) == 0 || len(got.Items) > 4 || !l.inCategory(got.Items, "Comedy") || got.ModelVersion == "" {
		t.Fatalf("recommend = %+v, want up to 4 Comedy items from a model", got)
	}
	for _, r := range got.Items {
		if r.ID == "i00" || r.ID == "i03" {
			t.Fatalf("excluded item %s returned", r.ID)
		}
	}
	first := must(l.reader.Recommend(ctx, "u00", 2, Rotation(0.5)))(t)
	next := must(l.reader.Next(ctx, first.RecommendationID, 2, ""))(t)
	if len(next.Items) == 0 || next.RecommendationID == "" || next.RecommendationID == first.RecommendationID ||
		slices.ContainsFunc(next.Items, func(r recd.Recommendation) bool {
			return slices.ContainsFunc(first.Items, func(f recd.Recommendation) bool { return f.ID == r.ID })
		}) {
		t.Fatalf("next page = %+v after %+v, want new items and a new id", next, first)
	}
	post := must(l.reader.RecommendFor(ctx, RecommendRequest{ContextItems: []string{"i01", "i04"}, N: 3,
		Categories: []string{"Drama"}}))(t)
	if len(post.Items) == 0 || len(post.Items) > 3 || !l.inCategory(post.Items, "Drama") {
		t.Fatalf("recommend for context items = %+v, want up to 3 Drama items", post)
	}
	sim := must(l.reader.Similar(ctx, "i02", 5, ""))(t)
	if len(sim.Items) == 0 || slices.ContainsFunc(sim.Items, func(r recd.Recommendation) bool { return r.ID == "i02" }) {
		t.Fatalf("similar = %+v, want items other than i02", sim)
	}
	for name, list := range map[string]func(context.Context, int, ...string) (Recommendations, error){
		"popular": l.reader.Popular, "trending": l.reader.Trending} {
		got := must(list(ctx, 3, "Drama"))(t)
		if len(got.Items) == 0 || len(got.Items) > 3 || !l.inCategory(got.Items, "Drama") {
			t.Fatalf("%s = %+v, want up to 3 Drama items", name, got)
		}
	}
	q := must(l.reader.Query(ctx, "comedy", Limit(3), Explain(true), QueryDiversity(0.2), ForUser("u00")))(t)
	if q.Parser == "" || len(q.Items) == 0 || len(q.Items) > 3 || q.Query == nil {
		t.Fatalf("query = %+v, want a parsed query and up to 3 items", q)
	}
}

func TestLive_AdminAndOps(t *testing.T) {
	l, ctx := liveServer(t), ctxT(t)
	spaces := must(l.reader.Spaces(ctx))(t)
	if len(spaces) == 0 || spaces[0].Name == "" {
		t.Fatalf("spaces = %+v, want named spaces", spaces)
	}
	first := must(l.admin.Train(ctx, false))(t)
	second := must(l.admin.Train(ctx, false))(t)
	if !second.Skipped || second.Reason == "" || second.Version != first.Version {
		t.Fatalf("train twice = %+v then %+v, want the second skipped on the same version", first, second)
	}
	forced := must(l.admin.Train(ctx, true))(t)
	if forced.Skipped || forced.Version == first.Version {
		t.Fatalf("forced train = %+v, want a new version after %s", forced, first.Version)
	}
	models := must(l.admin.Models(ctx))(t)
	if !slices.ContainsFunc(models, func(m Model) bool { return m.Version == forced.Version && m.Serving }) {
		t.Fatalf("models = %+v, want %s serving", models, forced.Version)
	}
	if _, err := l.reader.Models(ctx); !IsUnauthorized(err) {
		t.Fatalf("models with a read key: err = %v, want 403", err)
	}
	if st := must(l.anon.Health(ctx))(t); st.Status == "" {
		t.Fatalf("health = %+v", st)
	}
	if st := must(l.reader.Ready(ctx))(t); st.Status != "ready" {
		t.Fatalf("ready = %+v, want ready", st)
	}
}

func TestLive_ContextCancelled(t *testing.T) {
	l := liveServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.reader.Popular(ctx, 3); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// OnlineMetrics answers, for a read key, the lists the server has served (once flushed) and
// refuses a bad grouping naming group_by.
func TestLive_OnlineMetrics(t *testing.T) {
	l, ctx := liveServer(t), ctxT(t)
	must(l.reader.Recommend(ctx, "u01", 3))(t)
	var got OnlineMetrics
	for range 50 { // impressions are written every feedback.flush_interval
		got = must(l.reader.OnlineMetrics(ctx, OnlineQuery{GroupBy: "route", K: 3}))(t)
		if len(got.Groups) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got.K != 3 || got.GroupBy != "route" || len(got.Groups) == 0 || got.Groups[0].Impressions == 0 || len(got.Groups[0].PositionCTR) != 3 {
		t.Fatalf("online metrics = %+v, want the served lists grouped by route, 3 positions deep", got)
	}
	_, err := l.reader.OnlineMetrics(ctx, OnlineQuery{GroupBy: "colour"})
	var e *Error
	if !IsInvalid(err) || !errors.As(err, &e) || e.Field != "group_by" {
		t.Fatalf("group_by=colour: err = %v, want 400 naming group_by", err)
	}
}
