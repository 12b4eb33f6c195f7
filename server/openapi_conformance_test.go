package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

// apiCall is one request of the conformance table; ok marks a request the document allows,
// which must succeed when the backend does.
type apiCall struct {
	method, path, ctype, body string
	ok                        bool
}

// specCalls covers every route with requests the document allows and ones it refuses.
func specCalls() []apiCall {
	item := `{"title":"t","text":"x","categories":["a"],"tags":["b"],"attributes":{"year":1999},"available":true,"vectors":{"v":[1,2]}}`
	event := `{"user_id":"u1","item_id":"i1","type":"click","value":1,"timestamp":"2024-01-01T00:00:00Z","session_id":"s"}`
	recs := "n=3&exclude=i2,i3&category=a&diversity=0.5&calibration=0.1&long_tail_share=0.1&session_weight=0.1" +
		"&exposure_strength=0.1&session_id=s&exclude_category=b&filter=year>=1990&boost=category%3Da%5E1.5"
	post := `{"user_id":"u1","session_id":"s","context_items":["i1"],"n":3,"diversity":0.5,"calibration":0.1,` +
		`"long_tail_share":0.1,"session_weight":0.1,"exposure_strength":0.1,"exclude":["i2"],"categories":["a"],` +
		`"exclude_categories":["b"],"filters":["year>=1990"],"boosts":["category=a^1.5"]}`
	long := strings.Repeat("x", 300)
	return []apiCall{
		{"GET", "/healthz", "", "", true}, {"GET", "/readyz", "", "", true}, {"GET", "/metrics", "", "", true},
		{"GET", "/openapi.json", "", "", true}, {"GET", "/", "", "", true}, {"GET", "/assets/app.js", "", "", true},
		{"GET", "/assets/style.css", "", "", true}, {"GET", "/assets/missing.js", "", "", false},
		{"PUT", "/v1/items/i1", "application/json", item, true},
		{"PUT", "/v1/items/i1", "application/json", `{"id":"other"}`, false},
		{"PUT", "/v1/items/i1", "application/json", `{"colour":"red"}`, false},
		{"PUT", "/v1/items/i1", "text/plain", item, false},
		{"PUT", "/v1/items/i1", "application/json", `{"text":"` + strings.Repeat("x", 8<<10) + `"}`, false},
		{"PUT", "/v1/items/" + long, "application/json", item, false},
		{"GET", "/v1/items/i1", "", "", true}, {"GET", "/v1/items/" + long, "", "", false},
		{"DELETE", "/v1/items/i1", "", "", true},
		{"GET", "/v1/items?limit=5&cursor=x", "", "", true}, {"GET", "/v1/items?limit=0", "", "", false},
		{"POST", "/v1/items", "application/json", `[{"id":"i1","title":"t"}]`, true},
		{"POST", "/v1/items", "application/x-ndjson", "{\"id\":\"i1\"}\n{\"id\":\"i2\"}\n", true},
		{"POST", "/v1/items", "application/jsonl", "{\"id\":\"i1\"}\n", true},
		{"POST", "/v1/items", "application/x-ndjson", "{\"id\":\"i1\"}\nnot json\n", true},
		{"POST", "/v1/items", "application/x-ndjson", "not json\n", false},
		{"POST", "/v1/items", "application/json", `[]`, false},
		{"GET", "/v1/items/i1/similar?n=5&by=cf&category=a", "", "", true},
		{"GET", "/v1/items/i1/similar?n=0", "", "", false},
		{"PUT", "/v1/users/u1", "application/json", `{"attributes":{"a":1}}`, true},
		{"PUT", "/v1/users/u1", "application/json", `{"name":"x"}`, false},
		{"GET", "/v1/users/u1", "", "", true}, {"DELETE", "/v1/users/u1", "", "", true},
		{"GET", "/v1/users/u1/events?limit=2&cursor=x", "", "", true},
		{"GET", "/v1/users/u1/events?limit=x", "", "", false},
		{"GET", "/v1/users/u1/recommendations?" + recs, "", "", true},
		{"GET", "/v1/users/u1/recommendations?diversity=2", "", "", false},
		{"POST", "/v1/recommendations", "application/json", post, true},
		{"POST", "/v1/recommendations", "application/json", `{"n":0}`, false},
		{"POST", "/v1/query", "application/json", `{"text":"funny","user_id":"u1","n":3,"explain":true,"diversity":0.2}`, true},
		{"POST", "/v1/query", "application/json", `{"text":1}`, false},
		{"GET", "/v1/spaces", "", "", true},
		{"POST", "/v1/events", "application/json", "[" + event + "]", true},
		{"POST", "/v1/events", "application/json", `[]`, false},
		{"GET", "/v1/popular?n=3&category=a", "", "", true}, {"GET", "/v1/trending?n=3", "", "", true},
		{"GET", "/v1/trending?n=-1", "", "", false},
		{"POST", "/v1/admin/train", "", "", true}, {"POST", "/v1/admin/train?force=true", "", "", true},
		{"POST", "/v1/admin/train?force=maybe", "", "", false},
		{"GET", "/v1/admin/models", "", "", true},
	}
}

// conformance checks answers against the document: the status is declared for the route's
// operation, the content type is one declared for that status, and a JSON body validates
// against the declared schema. An allowed request's JSON body validates against the
// request schema.
type conformance struct {
	t   *testing.T
	doc map[string]any
}

// operation returns the operation path and method name, matching {x} to one segment and
// {path} to the rest.
func (cf conformance) operation(method, path string) (string, map[string]any) {
	path, _, _ = strings.Cut(path, "?")
	got := strings.Split(path, "/")
	for tmpl, item := range cf.doc["paths"].(map[string]any) {
		want := strings.Split(tmpl, "/")
		if matchPath(want, got) {
			op, _ := item.(map[string]any)[strings.ToLower(method)].(map[string]any)
			return tmpl, op
		}
	}
	return "", nil
}

func matchPath(tmpl, path []string) bool {
	for i, seg := range tmpl {
		if seg == "{path}" {
			return len(path) > i && path[i] != ""
		}
		if i >= len(path) || (seg != path[i] && !(strings.HasPrefix(seg, "{") && path[i] != "")) {
			return false
		}
	}
	return len(tmpl) == len(path)
}

// serve sends c with header auth ("" for none) and checks the answer; it returns the status.
func (cf conformance) serve(h http.Handler, c apiCall, auth string) int {
	cf.t.Helper()
	var body *strings.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(c.method, c.path, body)
	if c.body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	cf.check(c, w)
	return w.Code
}

func (cf conformance) check(c apiCall, w *httptest.ResponseRecorder) {
	cf.t.Helper()
	tmpl, op := cf.operation(c.method, c.path)
	name := c.method + " " + c.path
	if op == nil {
		cf.t.Errorf("%s: no operation in the document", name)
		return
	}
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(w.Code)].(map[string]any)
	if !ok {
		cf.t.Errorf("%s answered %d, not declared for %s %s: %.200s", name, w.Code, c.method, tmpl, w.Body.String())
		return
	}
	if c.method == http.MethodHead || w.Body.Len() == 0 {
		return
	}
	mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type"))
	content, _ := resp["content"].(map[string]any)
	media, ok := content[mt].(map[string]any)
	if !ok {
		cf.t.Errorf("%s answered %d with Content-Type %q, not declared", name, w.Code, mt)
		return
	}
	if mt != "application/json" {
		return
	}
	var v any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		cf.t.Errorf("%s: %d body is not JSON: %v", name, w.Code, err)
		return
	}
	for _, e := range (schemaCheck{doc: cf.doc}).check("$", media["schema"].(map[string]any), v) {
		cf.t.Errorf("%s answered %d: %s", name, w.Code, e)
	}
}

// checkRequest validates an allowed request's JSON body against the operation's body schema.
func (cf conformance) checkRequest(c apiCall) {
	cf.t.Helper()
	_, op := cf.operation(c.method, c.path)
	rb, _ := op["requestBody"].(map[string]any)
	if rb == nil || c.ctype != "application/json" {
		return
	}
	schema := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	var v any
	if err := json.Unmarshal([]byte(c.body), &v); err != nil {
		cf.t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	for _, e := range (schemaCheck{doc: cf.doc, request: true}).check("$", schema, v) {
		cf.t.Errorf("allowed request %s %s: %s", c.method, c.path, e)
	}
}

// withHeads adds a HEAD request for every GET one.
func withHeads(calls []apiCall) []apiCall {
	out := calls
	for _, c := range calls {
		if c.method == http.MethodGet {
			c.method = http.MethodHead
			out = append(out, c)
		}
	}
	return out
}

func TestOpenAPI_AnswersAreDeclared(t *testing.T) {
	cf := conformance{t, server.OpenAPI()}
	h := server.New(&specBackend{}, server.Options{MaxBodyBytes: 4 << 10})
	for _, c := range withHeads(specCalls()) {
		status := cf.serve(h, c, "")
		if c.ok {
			cf.checkRequest(c)
			if status >= 300 {
				t.Errorf("allowed request %s %s (%s) answered %d", c.method, c.path, c.body, status)
			}
		} else if status < 400 {
			t.Errorf("refused request %s %s (%s) answered %d", c.method, c.path, c.body, status)
		}
	}
}

func TestOpenAPI_ErrorsAreDeclared(t *testing.T) {
	cf := conformance{t, server.OpenAPI()}
	cases := []struct {
		name    string
		err     error
		methods []string
	}{
		{"not found", fmt.Errorf("gone: %w", recd.ErrNotFound), []string{"GetItem", "GetUser", "DeleteItem", "DeleteUser", "UserEvents", "Similar"}},
		{"unprocessable", recd.Unprocessable("vectors.v", "wrong dimension"), []string{"PutItems", "AddEvents"}},
		{"training running", service.ErrTrainingRunning, []string{"Train"}},
		{"invalid", recd.Invalid("x", "bad"), []string{"PutItems", "GetItem", "ListItems", "DeleteItem", "PutUser",
			"GetUser", "DeleteUser", "UserEvents", "AddEvents", "Recommend", "Similar", "Popular", "Trending", "Query"}},
		{"unavailable", fmt.Errorf("no model: %w", recd.ErrUnavailable), []string{"*"}},
		{"deadline", context.DeadlineExceeded, []string{"*"}},
		{"internal", errors.New("boom"), []string{"*"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cf.t = t
			errs := map[string]error{}
			for _, m := range tc.methods {
				errs[m] = tc.err
			}
			h := server.New(&specBackend{errs: errs}, server.Options{})
			for _, c := range withHeads(specCalls()) {
				if c.ok {
					cf.serve(h, c, "")
				}
			}
		})
	}
	t.Run("not ready and degraded", func(t *testing.T) {
		cf.t = t
		for _, b := range []*specBackend{{notReady: "no model yet"}, {degraded: true}} {
			h := server.New(b, server.Options{})
			for _, c := range withHeads(specCalls()) {
				cf.serve(h, c, "")
			}
		}
	})
}

// TestOpenAPI_AuthAnswersAreDeclared drives every allowed request through the auth matrix
// (no key, an unknown key, each role) under auth.protect_ops, and each again past its key's
// rate limit: every 401, 403 and 429 must be declared, and a route the document marks
// public, or optional-key under protect_ops, must behave so.
func TestOpenAPI_AuthAnswersAreDeclared(t *testing.T) {
	doc := server.OpenAPI()
	cf := conformance{t, doc}
	keys := []string{"", "wrong-secret", testKeys[server.RoleRead], testKeys[server.RoleWrite], testKeys[server.RoleAdmin]}
	h := server.New(&specBackend{}, server.Options{Auth: newTestAuth(t, server.AuthOptions{ProtectOps: true}, 1000, 1000)})
	for _, c := range withHeads(specCalls()) {
		if !c.ok {
			continue
		}
		_, op := cf.operation(c.method, c.path)
		sec, _ := op["security"].([]any)
		for _, key := range keys {
			status := cf.serve(h, c, key)
			if len(sec) == 0 && status == http.StatusUnauthorized {
				t.Errorf("%s %s is declared public but answered 401 to key %q", c.method, c.path, key)
			}
			if len(sec) > 0 && key == "" && status != http.StatusUnauthorized {
				t.Errorf("%s %s is declared to need a key but answered %d without one", c.method, c.path, status)
			}
		}
	}
	limited := server.New(&specBackend{}, server.Options{Auth: newTestAuth(t, server.AuthOptions{ProtectOps: true}, 0.001, 1)})
	for _, c := range withHeads(specCalls()) {
		if c.ok {
			cf.serve(limited, c, testKeys[server.RoleAdmin])
		}
	}
}

// TestOpenAPI_ServiceAnswersAreDeclared drives the real service with requests for unknown
// items and users, vectors it refuses, an event for an unknown item and a training run while
// nothing changed: every answer must be declared and match its schema.
func TestOpenAPI_ServiceAnswersAreDeclared(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	cf := conformance{t, server.OpenAPI()}
	calls := append(specCalls(),
		apiCall{"GET", "/v1/items/nope", "", "", false}, apiCall{"GET", "/v1/users/nope", "", "", false},
		apiCall{"DELETE", "/v1/items/nope", "", "", false}, apiCall{"DELETE", "/v1/users/nope", "", "", false},
		apiCall{"GET", "/v1/users/nope/events", "", "", false}, apiCall{"GET", "/v1/items/nope/similar", "", "", false},
		apiCall{"GET", "/v1/users/nope/recommendations", "", "", false},
		apiCall{"PUT", "/v1/items/i1", "application/json", `{"vectors":{"cf":[1]}}`, false},
		apiCall{"POST", "/v1/events", "application/json", `[{"user_id":"u1","item_id":"nope","type":"click"}]`, false},
		apiCall{"GET", "/v1/items/i1", "", "", false})
	for _, c := range withHeads(calls) {
		cf.serve(h, c, "")
	}
}

// TestOpenAPI_DeclaredStatuses pins each operation's statuses by operationId: the names
// client libraries use, and the answers derived from each route's role and shape.
func TestOpenAPI_DeclaredStatuses(t *testing.T) {
	want := map[string][]int{
		"healthz":        {200},
		"readyz":         {200, 503},
		"metrics":        {200, 401, 429, 500},
		"openapi":        {200, 401, 429},
		"putItem":        {200, 400, 401, 403, 404, 408, 413, 415, 422, 429, 500, 503, 504},
		"getItem":        {200, 400, 401, 404, 429, 500, 503, 504},
		"deleteItem":     {204, 400, 401, 403, 404, 429, 500, 503, 504},
		"listItems":      {200, 400, 401, 429, 500, 503, 504},
		"putItems":       {200, 400, 401, 403, 408, 413, 415, 422, 429, 500, 503, 504},
		"similar":        {200, 400, 401, 404, 429, 500, 503, 504},
		"putUser":        {200, 400, 401, 403, 404, 408, 413, 415, 429, 500, 503, 504},
		"getUser":        {200, 400, 401, 404, 429, 500, 503, 504},
		"deleteUser":     {204, 400, 401, 403, 404, 429, 500, 503, 504},
		"listUserEvents": {200, 400, 401, 404, 429, 500, 503, 504},
		"recommend":      {200, 400, 401, 429, 500, 503, 504},
		"recommendFor":   {200, 400, 401, 408, 413, 415, 429, 500, 503, 504},
		"query":          {200, 400, 401, 408, 413, 415, 429, 500, 503, 504},
		"page":           {200, 206, 304, 416},
		"asset":          {200, 206, 304, 404, 416},
		"spaces":         {200, 401, 429, 500, 503, 504},
		"addEvents":      {200, 400, 401, 403, 408, 413, 415, 422, 429, 500, 503, 504},
		"popular":        {200, 400, 401, 429, 500, 503, 504},
		"trending":       {200, 400, 401, 429, 500, 503, 504},
		"train":          {200, 400, 401, 403, 409, 429, 500, 503, 504},
		"models":         {200, 401, 403, 429, 500, 503, 504},
	}
	got, heads := map[string][]int{}, map[string]bool{}
	for _, item := range server.OpenAPI()["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			op := op.(map[string]any)
			id := op["operationId"].(string)
			if method == "head" {
				heads[id] = true
				continue
			}
			for code := range op["responses"].(map[string]any) {
				n, _ := strconv.Atoi(code)
				got[id] = append(got[id], n)
			}
			slices.Sort(got[id])
		}
	}
	for id, codes := range want {
		if !slices.Equal(got[id], codes) {
			t.Errorf("%s declares %v, want %v", id, got[id], codes)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d operations (without HEAD), want %d", len(got), len(want))
	}
	for _, id := range []string{"headItem", "headUser", "headListItems", "headHealthz", "headPopular", "headModels"} {
		if !heads[id] {
			t.Errorf("no HEAD operation %s", id)
		}
	}
}
