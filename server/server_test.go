package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/index/hnsw"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
	"github.com/recd/recd/store/sqlite"
)

// fixture is a small catalog: two clusters of items liked by two groups of users.
func fixture(t testing.TB, opts service.Options) (*service.Service, http.Handler) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "recd.db"), sqlite.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	opts.Index = newIndex(t)
	svc, err := service.New(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	var items []recd.Item
	for i := 0; i < 10; i++ {
		cat := "scifi"
		if i >= 5 {
			cat = "comedy"
		}
		items = append(items, recd.Item{ID: fmt.Sprintf("i%d", i), Title: fmt.Sprintf("Item %d", i),
			Categories: []string{cat}, Available: true})
	}
	if err := svc.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	var evs []recd.Event
	for u := 0; u < 20; u++ {
		base := 0
		if u%2 == 1 {
			base = 5
		}
		for k := 0; k < 3; k++ {
			evs = append(evs, recd.Event{UserID: fmt.Sprintf("u%d", u), ItemID: fmt.Sprintf("i%d", base+(u+k)%5), Type: "click"})
		}
	}
	if _, err := svc.AddEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Train(ctx); err != nil {
		t.Fatal(err)
	}
	return svc, server.New(svc, server.Options{MaxBodyBytes: 64 << 10})
}

type response struct {
	Status int
	Body   map[string]any
	Raw    string
}

func do(t testing.TB, h http.Handler, method, path, ctype string, body any) response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		js, _ := json.Marshal(b)
		r = bytes.NewReader(js)
	}
	req := httptest.NewRequest(method, path, r)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	out := response{Status: w.Code, Raw: w.Body.String()}
	_ = json.Unmarshal(w.Body.Bytes(), &out.Body)
	return out
}

func ids(t testing.TB, r response) []string {
	t.Helper()
	items, ok := r.Body["items"].([]any)
	if r.Status != 200 || !ok {
		t.Fatalf("want 200 with items, got %d: %s", r.Status, r.Raw)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}

func TestAPI_ItemLifecycle(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	r := do(t, h, "PUT", "/v1/items/new-1", "application/json", map[string]any{"title": "New", "categories": []string{"scifi"},
		"attributes": map[string]any{"year": 1999}})
	if r.Status != 200 || r.Body["id"] != "new-1" || r.Body["available"] != true {
		t.Fatalf("PUT = %d %s", r.Status, r.Raw)
	}
	if r := do(t, h, "GET", "/v1/items/new-1", "", nil); r.Status != 200 || r.Body["title"] != "New" {
		t.Fatalf("GET = %d %s", r.Status, r.Raw)
	}
	page := do(t, h, "GET", "/v1/items?limit=4", "", nil)
	if got := len(page.Body["items"].([]any)); got != 4 || page.Body["next_cursor"] == "" {
		t.Fatalf("first page: %d items, cursor %v", got, page.Body["next_cursor"])
	}
	total, cursor := 0, ""
	for {
		p := do(t, h, "GET", "/v1/items?limit=4&cursor="+cursor, "", nil)
		total += len(p.Body["items"].([]any))
		cursor, _ = p.Body["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	if total != 11 {
		t.Errorf("paged through %d items, want 11", total)
	}
	if r := do(t, h, "DELETE", "/v1/items/new-1", "", nil); r.Status != 204 {
		t.Fatalf("DELETE = %d", r.Status)
	}
	if r := do(t, h, "GET", "/v1/items/new-1", "", nil); r.Status != 404 || r.Body["error"] == nil {
		t.Fatalf("GET after delete = %d %s", r.Status, r.Raw)
	}
}

func TestAPI_BatchItems(t *testing.T) {
	svc, h := fixture(t, service.DefaultOptions())
	r := do(t, h, "POST", "/v1/items", "application/json", []map[string]any{{"id": "b1"}, {"id": "b2", "title": "B2"}})
	if r.Status != 200 || r.Body["stored"] != float64(2) {
		t.Fatalf("JSON batch = %d %s", r.Status, r.Raw)
	}
	nd := "{\"id\":\"n1\"}\n{\"id\":\"n2\",\"bogus\":1}\n\n{\"id\":\"n3\",\"title\":\"x\"\n{\"id\":\"n4\"}\n"
	r = do(t, h, "POST", "/v1/items", "application/x-ndjson", nd)
	if r.Status != 200 || r.Body["stored"] != float64(2) {
		t.Fatalf("NDJSON batch = %d %s", r.Status, r.Raw)
	}
	rej := r.Body["rejected"].([]any)
	if len(rej) != 2 || rej[0].(map[string]any)["line"] != float64(2) || rej[1].(map[string]any)["line"] != float64(4) {
		t.Errorf("rejected = %v, want lines 2 and 4", rej)
	}
	if got := svc.Stats().Items; got != 14 {
		t.Errorf("items = %d, want 14", got)
	}
}

func TestAPI_BadInput(t *testing.T) {
	svc, h := fixture(t, service.DefaultOptions())
	before := svc.Stats()
	big := `[{"user_id":"u1","item_id":"i1","type":"click","session_id":"` + strings.Repeat("x", 70<<10) + `"}]`
	cases := []struct {
		name, method, path, ctype string
		body                      any
		status                    int
		field                     string
	}{
		{"missing user_id", "POST", "/v1/events", "application/json", `[{"item_id":"i1","type":"like"}]`, 400, "[0].user_id"},
		{"missing type", "POST", "/v1/events", "application/json", `[{"user_id":"x","item_id":"i1"}]`, 400, "[0].type"},
		{"bad type", "POST", "/v1/events", "application/json", `[{"user_id":"x","item_id":"i1","type":"Bad Type"}]`, 400, "[0].type"},
		{"malformed json", "POST", "/v1/events", "application/json", `[{"user_id": "x", "item_id": `, 400, ""},
		{"not an array", "POST", "/v1/events", "application/json", `{"user_id":"x"}`, 400, ""},
		{"empty batch", "POST", "/v1/events", "application/json", `[]`, 400, "events"},
		{"unknown field", "POST", "/v1/events", "application/json", `[{"user_id":"x","item_id":"i1","type":"like","colour":1}]`, 400, "colour"},
		{"wrong value type", "POST", "/v1/events", "application/json", `[{"user_id":"x","item_id":"i1","type":"rating","value":"five"}]`, 400, "value"},
		{"rating without value", "POST", "/v1/events", "application/json", `[{"user_id":"x","item_id":"i1","type":"rating"}]`, 400, "[0].value"},
		{"unknown item", "POST", "/v1/events", "application/json", `[{"user_id":"x","item_id":"i1","type":"like"},{"user_id":"x","item_id":"nope","type":"like"}]`, 422, "[1].item_id"},
		{"body too large", "POST", "/v1/events", "application/json", big, 413, ""},
		{"id with a space", "POST", "/v1/events", "application/json", `[{"user_id":"a b","item_id":"i1","type":"like"}]`, 400, "[0].user_id"},
		{"item id mismatch", "PUT", "/v1/items/zz", "application/json", `{"id":"yy"}`, 400, "id"},
		{"item attribute NaN-like", "PUT", "/v1/items/zz", "application/json", `{"attributes":{"a b":1}}`, 400, "attributes.a b"},
		{"item empty category", "PUT", "/v1/items/zz", "application/json", `{"categories":[""]}`, 400, "categories[0]"},
		{"item bad vector space", "PUT", "/v1/items/zz", "application/json", `{"vectors":{"1bad":[1]}}`, 422, "vectors.1bad"},
		{"item empty vector", "PUT", "/v1/items/zz", "application/json", `{"vectors":{"v":[]}}`, 422, "vectors.v"},
		{"n not a number", "GET", "/v1/users/u1/recommendations?n=ten", "", nil, 400, "n"},
		{"n too big", "GET", "/v1/users/u1/recommendations?n=100000", "", nil, 400, "n"},
		{"n zero", "GET", "/v1/popular?n=0", "", nil, 400, "n"},
		{"limit too big", "GET", "/v1/items?limit=100000", "", nil, 400, "limit"},
		{"unknown item similar", "GET", "/v1/items/nope/similar", "", nil, 404, ""},
		{"unknown item get", "GET", "/v1/items/nope", "", nil, 404, ""},
		{"unknown route", "GET", "/v1/nothing", "", nil, 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, h, c.method, c.path, c.ctype, c.body)
			if r.Status != c.status {
				t.Fatalf("status = %d, want %d: %s", r.Status, c.status, r.Raw)
			}
			e, ok := r.Body["error"].(map[string]any)
			if !ok || e["message"] == "" || e["code"] == "" {
				t.Fatalf("error body = %s", r.Raw)
			}
			if c.field != "" && e["field"] != c.field {
				t.Errorf("field = %v, want %q (%s)", e["field"], c.field, e["message"])
			}
		})
	}
	if after := svc.Stats(); after != before {
		t.Errorf("rejected requests changed state: %+v -> %+v", before, after)
	}
	if r := do(t, h, "GET", "/v1/users/x/events", "", nil); len(r.Body["events"].([]any)) != 0 {
		t.Errorf("rejected batches stored events: %s", r.Raw)
	}
}

func TestAPI_LiveRecommendations(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	pop := ids(t, do(t, h, "GET", "/v1/popular?n=5", "", nil))
	cold := do(t, h, "GET", "/v1/users/stranger/recommendations?n=5", "", nil)
	if got := ids(t, cold); strings.Join(got, ",") != strings.Join(pop, ",") || cold.Body["strategy"] != "popularity" {
		t.Fatalf("cold user = %v (%v), want the popular list %v", got, cold.Body["strategy"], pop)
	}
	r := do(t, h, "POST", "/v1/events", "application/json", []map[string]any{
		{"user_id": "fan", "item_id": "i5", "type": "like"}, {"user_id": "fan", "item_id": "i6", "type": "like"}})
	if r.Status != 200 {
		t.Fatalf("events = %d %s", r.Status, r.Raw)
	}
	warm := do(t, h, "GET", "/v1/users/fan/recommendations?n=3", "", nil)
	got := ids(t, warm)
	if warm.Body["strategy"] != "content_bootstrap" || len(got) != 3 {
		t.Fatalf("after two likes: %v strategy %v", got, warm.Body["strategy"])
	}
	for _, id := range got {
		if id == "i5" || id == "i6" || id < "i5" {
			t.Errorf("recommended %s: want unseen comedy items i7..i9 (all %v)", id, got)
		}
	}
	reasons := warm.Body["items"].([]any)[0].(map[string]any)["reasons"].([]any)
	if len(reasons) == 0 || !strings.HasPrefix(reasons[0].(map[string]any)["text"].(string), "Because you liked") {
		t.Errorf("reasons = %v", reasons)
	}
	filtered := ids(t, do(t, h, "GET", "/v1/users/fan/recommendations?n=10&exclude=i7&category=comedy", "", nil))
	for _, id := range filtered {
		if id == "i7" || id < "i5" {
			t.Errorf("exclude/category filter let %s through: %v", id, filtered)
		}
	}
}

func TestAPI_UserDeleteRemovesEvents(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	if r := do(t, h, "GET", "/v1/users/u1/events?limit=2", "", nil); len(r.Body["events"].([]any)) != 2 {
		t.Fatalf("events of u1: %s", r.Raw)
	}
	if r := do(t, h, "DELETE", "/v1/users/u1", "", nil); r.Status != 204 {
		t.Fatalf("DELETE user = %d %s", r.Status, r.Raw)
	}
	if r := do(t, h, "GET", "/v1/users/u1/events", "", nil); len(r.Body["events"].([]any)) != 0 {
		t.Errorf("events after delete: %s", r.Raw)
	}
}

func TestAPI_AdminTrainAndModels(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	r := do(t, h, "POST", "/v1/admin/train", "", nil) // nothing changed since the fixture's run
	if r.Status != 200 || r.Body["skipped"] != true || r.Body["reason"] == "" || r.Body["version"] == "" {
		t.Fatalf("train without changes = %d %s, want 200 skipped with a reason and the served version", r.Status, r.Raw)
	}
	if r := do(t, h, "POST", "/v1/admin/train?force=maybe", "", nil); r.Status != 400 {
		t.Errorf("train?force=maybe = %d, want 400", r.Status)
	}
	if r := do(t, h, "POST", "/v1/admin/train?force=true", "", nil); r.Status != 200 || r.Body["version"] == "" || r.Body["skipped"] != nil {
		t.Fatalf("train?force=true = %d %s", r.Status, r.Raw)
	}
	r = do(t, h, "GET", "/v1/admin/models", "", nil)
	ms := r.Body["models"].([]any)
	if len(ms) != 2 {
		t.Fatalf("models = %s", r.Raw)
	}
	first := ms[0].(map[string]any)
	if first["serving"] != true || first["size_bytes"].(float64) <= 0 || ms[1].(map[string]any)["serving"] != false {
		t.Errorf("models = %s", r.Raw)
	}
	if r := do(t, h, "GET", "/readyz", "", nil); r.Status != 200 {
		t.Errorf("readyz = %d", r.Status)
	}
}

func TestOpenAPI_CoversEveryRoute(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	spec := server.OpenAPI()
	paths := spec["paths"].(map[string]any)
	routes := h.(*server.Server).Engine().Routes()
	if len(routes) == 0 {
		t.Fatal("no routes")
	}
	for _, rt := range routes {
		p := rt.Path
		for _, seg := range strings.Split(p, "/") {
			if strings.HasPrefix(seg, ":") || strings.HasPrefix(seg, "*") {
				p = strings.Replace(p, seg, "{"+seg[1:]+"}", 1)
			}
		}
		item, ok := paths[p].(map[string]any)
		if !ok || item[strings.ToLower(rt.Method)] == nil {
			t.Errorf("route %s %s is not in /openapi.json", rt.Method, p)
		}
	}
	n := 0
	for _, item := range paths {
		n += len(item.(map[string]any))
	}
	if n != len(routes) {
		t.Errorf("openapi documents %d operations, router has %d routes", n, len(routes))
	}
	if r := do(t, h, "GET", "/openapi.json", "", nil); r.Status != 200 || r.Body["openapi"] != "3.0.3" {
		t.Errorf("GET /openapi.json = %d", r.Status)
	}
}

func TestAPI_Metrics(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	do(t, h, "GET", "/v1/popular", "", nil)
	r := do(t, h, "GET", "/metrics", "", nil)
	if r.Status != 200 || !strings.Contains(r.Raw, "# TYPE recd_http_request_duration_seconds histogram") {
		t.Errorf("metrics = %d %.200s", r.Status, r.Raw)
	}
	// The bounds a latency objective names are buckets of their own, in order among the
	// doublings: a 10 ms p99 is read, not interpolated across 6.4-12.8 ms.
	var les []string
	for _, line := range strings.Split(r.Raw, "\n") {
		if strings.HasPrefix(line, "recd_http_request_duration_seconds_bucket{") && strings.Contains(line, `route="/v1/popular"`) {
			les = append(les, line[strings.Index(line, `le="`)+4:strings.LastIndex(line, `"`)])
		}
	}
	if got := strings.Join(les, " "); !strings.Contains(got, "0.0064 0.01 0.0128 0.025 0.0256") || !strings.HasPrefix(got, "0.0001 ") {
		t.Errorf("latency buckets = %s", got)
	}
}

func newIndex(t testing.TB) *hnsw.Index {
	ix, err := hnsw.New(hnsw.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestAPI_CachedListEndsWithTheUsersNextEvent(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	first := ids(t, do(t, h, "GET", "/v1/users/u1/recommendations?n=3", "", nil))
	again := ids(t, do(t, h, "GET", "/v1/users/u1/recommendations?n=3", "", nil))
	if strings.Join(first, ",") != strings.Join(again, ",") || len(first) == 0 {
		t.Fatalf("repeated request: %v then %v", first, again)
	}
	r := do(t, h, "POST", "/v1/events", "application/json", []map[string]any{{"user_id": "u1", "item_id": first[0], "type": "like"}})
	if r.Status != 200 {
		t.Fatalf("event: %d %s", r.Status, r.Raw)
	}
	after := ids(t, do(t, h, "GET", "/v1/users/u1/recommendations?n=3", "", nil))
	for _, id := range after {
		if id == first[0] {
			t.Errorf("the item just liked is still recommended (a stale cached list): %v", after)
		}
	}
}
