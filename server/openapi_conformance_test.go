package server_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/recd/recd/server"
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
		{"GET", "/healthz?n=1&n=2", "", "", false}, {"GET", "/?limit=1&limit=2", "", "", false},
		{"GET", "/metrics?cursor=" + long, "", "", false}, {"GET", "/v1/spaces?by=a&by=b", "", "", false},
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
		{"PUT", "/v1/experiments/e1", "application/json", experimentBody, true},
		{"PUT", "/v1/experiments/e1", "application/json", `{"start":"yesterday"}`, false},
		{"PUT", "/v1/experiments/e1", "application/json", `{"id":"other"}`, false},
		{"GET", "/v1/experiments", "", "", true}, {"GET", "/v1/experiments/e1", "", "", true},
		{"GET", "/v1/experiments/e1/report", "", "", true}, {"DELETE", "/v1/experiments/e1", "", "", true},
		{"GET", "/v1/metrics/online?from=2026-01-01T00:00:00Z&to=1767312000&group_by=variant&experiment=e&k=5", "", "", true},
		{"GET", "/v1/metrics/online?group_by=user.country", "", "", true},
		{"GET", "/v1/metrics/online?group_by=colour", "", "", false},
	}
}

// experimentBody is a PUT /v1/experiments body the document allows, every field set.
const experimentBody = `{"id":"e1","design":"ab","unit":"user","start":"2026-01-01T00:00:00Z","end":"2026-02-01T00:00:00Z",` +
	`"variants":[{"name":"control","weight":50},{"name":"b","weight":50,"overrides":{"diversity":0.5,"calibration":0.1,` +
	`"long_tail_share":0.1,"session_weight":0.2,"exposure_strength":1,"weights":{"cf":2},"sources":["cf","popular"]}}]}`

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
