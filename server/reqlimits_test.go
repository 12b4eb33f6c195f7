package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

// countingBackend is the canned backend that counts the calls that would do work, so a test
// can show a rejected request did none. Safe for concurrent use.
type countingBackend struct {
	fakeBackend
	calls atomic.Int64
}

func (b *countingBackend) Recommend(ctx context.Context, r service.RecommendRequest) (rank.Response, error) {
	b.calls.Add(1)
	return b.fakeBackend.Recommend(ctx, r)
}
func (b *countingBackend) Similar(ctx context.Context, id string, n int, by string, c []string) (rank.Response, error) {
	b.calls.Add(1)
	return b.fakeBackend.Similar(ctx, id, n, by, c)
}
func (b *countingBackend) Popular(ctx context.Context, n int, c []string) (rank.Response, error) {
	b.calls.Add(1)
	return b.fakeBackend.Popular(ctx, n, c)
}
func (b *countingBackend) Trending(ctx context.Context, n int, c []string) (rank.Response, error) {
	b.calls.Add(1)
	return b.fakeBackend.Trending(ctx, n, c)
}
func (b *countingBackend) Query(ctx context.Context, r service.QueryRequest) (service.QueryResponse, error) {
	b.calls.Add(1)
	return b.fakeBackend.Query(ctx, r)
}
func (b *countingBackend) GetItem(ctx context.Context, id string) (recd.Item, error) {
	b.calls.Add(1)
	return b.fakeBackend.GetItem(ctx, id)
}
func (b *countingBackend) ListItems(ctx context.Context, cursor string, limit int) ([]recd.Item, string, error) {
	b.calls.Add(1)
	return b.fakeBackend.ListItems(ctx, cursor, limit)
}

// repeat returns n strings made by f(i).
func repeat(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func jsonBody(v map[string]any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// queryOf repeats name=value for each value.
func queryOf(name string, values []string) string {
	q := url.Values{name: values}
	return q.Encode()
}

// TestServer_RequestLimits sends, on every route that takes lists, strings or numbers, a
// request just within each limit (answered 200) and one just over it (answered 400 naming
// the field and the limit, without the backend being called), on GET and POST alike.
func TestServer_RequestLimits(t *testing.T) {
	l := service.DefaultLimits()
	long := func(n int) string { return strings.Repeat("x", n) }
	ids := func(n int) []string { return repeat(n, func(i int) string { return fmt.Sprintf("i%d", i) }) }
	conds := func(n int) []string { return repeat(n, func(i int) string { return fmt.Sprintf("year>=%d", 1900+i) }) }
	boosts := func(n int) []string {
		return repeat(n, func(i int) string { return fmt.Sprintf("year>=%d^1.5", 1900+i) })
	}
	type call struct{ method, target, body string }
	post := func(v map[string]any) call {
		v["user_id"] = "u1"
		return call{"POST", "/v1/recommendations", jsonBody(v)}
	}
	get := func(q string) call { return call{"GET", "/v1/users/u1/recommendations?" + q, ""} }
	for _, tc := range []struct {
		name      string
		ok, over  call
		field     string
		wantWords string
	}{
		{"POST filters", post(map[string]any{"filters": conds(l.MaxFilters)}), post(map[string]any{"filters": conds(l.MaxFilters + 1)}),
			"filters", "at most 64 conditions"},
		{"GET filters", get(queryOf("filter", conds(l.MaxFilters))), get(queryOf("filter", conds(l.MaxFilters+1))),
			"filter", "at most 64 conditions"},
		{"POST boosts", post(map[string]any{"boosts": boosts(l.MaxBoosts)}), post(map[string]any{"boosts": boosts(l.MaxBoosts + 1)}),
			"boosts", "at most 64 boosts"},
		{"GET boosts", get(queryOf("boost", boosts(l.MaxBoosts))), get(queryOf("boost", boosts(l.MaxBoosts+1))),
			"boost", "at most 64 boosts"},
		{"POST categories", post(map[string]any{"categories": ids(l.MaxCategories)}),
			post(map[string]any{"categories": ids(20000)}), "categories", "at most 256 categories"},
		{"GET categories as commas", get("category=" + strings.Join(ids(l.MaxCategories), ",")),
			get("category=" + strings.Join(ids(l.MaxCategories+1), ",")), "category", "at most 256 categories"},
		{"POST exclude_categories", post(map[string]any{"exclude_categories": ids(l.MaxCategories)}),
			post(map[string]any{"exclude_categories": ids(l.MaxCategories + 1)}), "exclude_categories", "at most 256"},
		{"GET exclude_category", get(queryOf("exclude_category", ids(l.MaxCategories))),
			get(queryOf("exclude_category", ids(l.MaxCategories+1))), "exclude_category", "at most 256"},
		{"POST exclude", post(map[string]any{"exclude": ids(l.MaxExclude)}), post(map[string]any{"exclude": ids(l.MaxExclude + 1)}),
			"exclude", "at most 1000 ids"},
		{"GET exclude", get(queryOf("exclude", ids(l.MaxExclude))), get(queryOf("exclude", ids(l.MaxExclude+1))),
			"exclude", "at most 1000 ids"},
		{"POST context_items", post(map[string]any{"context_items": ids(l.MaxListLength)}),
			post(map[string]any{"context_items": ids(l.MaxListLength + 1)}), "context_items", "at most 256 items"},
		{"POST long filter", post(map[string]any{"filters": []string{"a=" + long(l.MaxValueLength-2)}}),
			post(map[string]any{"filters": []string{"a=" + long(l.MaxValueLength)}}), "filters[0]", "at most 256 bytes"},
		{"GET long category", get("category=" + long(l.MaxValueLength)), get("category=" + long(l.MaxValueLength+1)),
			"category[0]", "at most 256 bytes"},
		{"POST n", post(map[string]any{"n": l.MaxN}), post(map[string]any{"n": l.MaxN + 1}), "n", "between 1 and 200"},
		{"GET n", get("n=200"), get("n=201"), "n", "between 1 and 200"},
		{"POST diversity", post(map[string]any{"diversity": 1}), post(map[string]any{"diversity": 1e308}), "diversity", "between 0 and 1"},
		{"GET calibration", get("calibration=1"), get("calibration=1.5"), "calibration", "between 0 and 1"},
		{"POST exposure_strength", post(map[string]any{"exposure_strength": 10}), post(map[string]any{"exposure_strength": 11}),
			"exposure_strength", "between 0 and 10"},
		{"POST boost factor", post(map[string]any{"boosts": []string{"category=Comedy^100"}}),
			post(map[string]any{"boosts": []string{"category=Comedy^1e308", "category=Comedy^1e308"}}), "boost[0]", "between 0.01 and 100"},
		{"GET boost factor", get("boost=category=Comedy%5E0.01"), get("boost=category=Comedy%5E1e308&boost=category=Comedy%5E1e308"),
			"boost[0]", "between 0.01 and 100"},
		{"GET tiny boost factor", get("boost=category=Comedy%5E0.5"), get("boost=category=Comedy%5E1e-300"), "boost[0]", "between 0.01"},
		{"similar categories", call{"GET", "/v1/items/i1/similar?" + queryOf("category", ids(l.MaxCategories)), ""},
			call{"GET", "/v1/items/i1/similar?" + queryOf("category", ids(l.MaxCategories+1)), ""}, "category", "at most 256"},
		{"similar by", call{"GET", "/v1/items/i1/similar?by=cf", ""}, call{"GET", "/v1/items/i1/similar?by=" + long(257), ""}, "by", "at most 256 bytes"},
		{"popular categories", call{"GET", "/v1/popular?category=" + strings.Join(ids(l.MaxCategories), ","), ""},
			call{"GET", "/v1/popular?category=" + strings.Join(ids(2_000_000/8), ","), ""}, "category", "at most 256"},
		{"trending n", call{"GET", "/v1/trending?n=5", ""}, call{"GET", "/v1/trending?n=100000", ""}, "n", "between 1 and 200"},
		{"query text", call{"POST", "/v1/query", jsonBody(map[string]any{"text": long(l.MaxQueryText)})},
			call{"POST", "/v1/query", jsonBody(map[string]any{"text": long(l.MaxQueryText + 1)})}, "text", "at most 2000 bytes"},
		{"query n", call{"POST", "/v1/query", jsonBody(map[string]any{"text": "x", "n": 200})},
			call{"POST", "/v1/query", jsonBody(map[string]any{"text": "x", "n": 1 << 40})}, "n", "between 1 and 200"},
		{"item id", call{"GET", "/v1/items/" + long(l.MaxIDLength), ""}, call{"GET", "/v1/items/" + long(l.MaxIDLength+1), ""},
			"id", "at most 256 bytes"},
		{"items cursor", call{"GET", "/v1/items?cursor=" + long(256), ""}, call{"GET", "/v1/items?cursor=" + long(4096), ""},
			"cursor", "at most 256 bytes"},
		{"items limit", call{"GET", "/v1/items?limit=1000", ""}, call{"GET", "/v1/items?limit=1001", ""}, "limit", "between 1 and 1000"},
		{"repeated n", get("n=5"), get("n=5&n=6"), "n", "once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &countingBackend{}
			h := server.New(b, server.Options{})
			if w := serve(h, tc.ok.method, tc.ok.target, "application/json", tc.ok.body); w.Code != http.StatusOK {
				t.Fatalf("within the limit: %d %s, want 200", w.Code, w.Body)
			}
			before := b.calls.Load()
			w := serve(h, tc.over.method, tc.over.target, "application/json", tc.over.body)
			var got struct {
				Error struct{ Code, Message, Field string }
			}
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("over the limit: %d %q is not JSON", w.Code, w.Body)
			}
			if w.Code != http.StatusBadRequest || got.Error.Field != tc.field || !strings.HasPrefix(got.Error.Message, tc.field+": ") ||
				!strings.Contains(got.Error.Message, tc.wantWords) {
				t.Errorf("over the limit: %d %s, want 400 on field %q saying %q", w.Code, w.Body, tc.field, tc.wantWords)
			}
			if n := b.calls.Load() - before; n != 0 {
				t.Errorf("the backend was called %d times for a rejected request", n)
			}
		})
	}
}

// TestServer_ReadBodyLimit: a recommendation body larger than MaxReadBodyBytes is refused
// with 413 before it is decoded, while a write may be larger.
func TestServer_ReadBodyLimit(t *testing.T) {
	h := server.New(&countingBackend{}, server.Options{MaxReadBodyBytes: 4 << 10})
	big := `{"user_id":"u1","exclude":["` + strings.Repeat("x", 8<<10) + `"]}`
	if w := serve(h, "POST", "/v1/recommendations", "application/json", big); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("big read body: %d %s, want 413", w.Code, w.Body)
	}
	ev := `[{"user_id":"u","item_id":"i","type":"click","session_id":"` + strings.Repeat("s", 8<<10) + `"}]`
	if w := serve(h, "POST", "/v1/events", "application/json", ev); w.Code != http.StatusOK {
		t.Errorf("write body over the read limit: %d %s, want 200", w.Code, w.Body)
	}
}

// nanBackend returns values JSON cannot encode: an infinite score, a NaN model metric.
type nanBackend struct{ fakeBackend }

func (*nanBackend) Recommend(context.Context, service.RecommendRequest) (rank.Response, error) {
	return rank.Response{Items: []recd.Recommendation{{ID: "a", Score: math.Inf(1)}, {ID: "b", Score: math.NaN()},
		{ID: "c", Score: math.Inf(-1)}}, Strategy: "canned"}, nil
}
func (*nanBackend) Models(context.Context) ([]service.ModelInfo, error) {
	return []service.ModelInfo{{Version: "v", Metrics: map[string]float64{"ndcg": math.NaN()}}}, nil
}

// TestServer_NeverEmpty2xx: scores JSON cannot carry are written as finite numbers, and a
// value that cannot be encoded at all is a 500 JSON error, never a 2xx with an empty body.
func TestServer_NeverEmpty2xx(t *testing.T) {
	h := server.New(&nanBackend{}, server.Options{})
	w := serve(h, "GET", "/v1/users/u1/recommendations", "", "")
	var got struct{ Items []struct{ Score float64 } }
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil || len(got.Items) != 3 {
		t.Fatalf("infinite scores: %d %q, want 200 with three items", w.Code, w.Body)
	}
	if got.Items[0].Score != math.MaxFloat64 || got.Items[1].Score != 0 || got.Items[2].Score != -math.MaxFloat64 {
		t.Errorf("scores %v, want MaxFloat64, 0, -MaxFloat64", got.Items)
	}
	w = serve(h, "GET", "/v1/admin/models", "", "")
	if w.Code != http.StatusInternalServerError || errCode(t, w) != "internal" {
		t.Errorf("unencodable answer: %d %q, want 500 internal", w.Code, w.Body)
	}
	post := serve(h, "POST", "/v1/recommendations", "application/json", `{"user_id":"u","n":3}`)
	if post.Code != http.StatusOK || !json.Valid(post.Body.Bytes()) {
		t.Errorf("POST with infinite scores: %d %q, want 200 JSON", post.Code, post.Body)
	}
}
