package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/recd/recd/server"
)

// fuzzServer is the real API over the canned backend with a small body limit.
func fuzzServer() http.Handler {
	return server.New(&fakeBackend{}, server.Options{MaxBodyBytes: 1 << 20})
}

// checkAnswer fails on any 5xx (the fake backend never fails, so a 5xx is a handler bug or
// a recovered panic) and on any 4xx without a JSON error body naming a code and a message.
func checkAnswer(t *testing.T, w *httptest.ResponseRecorder, what string) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("%s: status %d: %s", what, w.Code, w.Body)
	}
	if w.Code >= 400 {
		var body struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
			t.Fatalf("%s: status %d without a JSON error body: %q", what, w.Code, w.Body)
		}
	}
	if w.Code < 400 && w.Code != http.StatusNoContent && !json.Valid(w.Body.Bytes()) {
		t.Fatalf("%s: status %d with a body that is not JSON: %q", what, w.Code, w.Body)
	}
}

func serve(h http.Handler, method, target, ctype, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// FuzzPutItem sends arbitrary bodies to PUT /v1/items/{id}.
func FuzzPutItem(f *testing.F) {
	for _, s := range []string{`{"title":"x","categories":["a"],"attributes":{"year":1999},"vectors":{"v":[1,2]}}`,
		`{"id":"other"}`, `{"available":"yes"}`, `{"vectors":{"v":[1e999]}}`, `{"attributes":{"a":[[[[{}]]]]}}`,
		`{"title":"a"}{"title":"b"}`, `[]`, ``, `{"unknown":1}`, "{\"title\":\"\xff\"}", `{"tags":[null,1]}`} {
		f.Add(s)
	}
	h := fuzzServer()
	f.Fuzz(func(t *testing.T, body string) {
		checkAnswer(t, serve(h, "PUT", "/v1/items/i1", "application/json", body), "PUT item")
	})
}

// FuzzPostItems sends arbitrary bodies to POST /v1/items as a JSON array or as NDJSON.
func FuzzPostItems(f *testing.F) {
	for _, s := range []string{`[{"id":"a","title":"A"},{"id":"b"}]`, `[{"id":""}]`, `[]`, `{"id":"a"}`,
		"{\"id\":\"a\"}\n{\"id\":\"b\",\"x\":1}\n\n{bad\n", "{\"id\":\"\"}\n", strings.Repeat("{\"id\":\"z\"}\n", 3)} {
		f.Add(s, false)
		f.Add(s, true)
	}
	h := fuzzServer()
	f.Fuzz(func(t *testing.T, body string, ndjson bool) {
		ctype := "application/json"
		if ndjson {
			ctype = "application/x-ndjson"
		}
		w := serve(h, "POST", "/v1/items", ctype, body)
		// NDJSON with no line stored answers 422 with the per-line rejections instead of a
		// top-level error (items.go); that shape is checked below.
		ndjsonReport := ndjson && w.Code == http.StatusUnprocessableEntity && strings.Contains(w.Body.String(), `"rejected"`)
		if !ndjsonReport {
			checkAnswer(t, w, "POST items "+ctype)
		}
		if ndjson && (w.Code == http.StatusOK || ndjsonReport) {
			var out struct {
				Stored   *int
				Rejected []struct {
					Line  int
					Error struct{ Code string }
				}
			}
			if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Stored == nil {
				t.Fatalf("NDJSON answer %q", w.Body)
			}
			for _, r := range out.Rejected {
				if r.Line < 1 || r.Error.Code == "" {
					t.Fatalf("NDJSON rejection without line or code: %q", w.Body)
				}
			}
		}
	})
}

// FuzzPostEvents sends arbitrary bodies to POST /v1/events.
func FuzzPostEvents(f *testing.F) {
	for _, s := range []string{`[{"user_id":"u","item_id":"i","type":"click"}]`,
		`[{"user_id":"u","item_id":"i","type":"rating","value":4.5,"timestamp":"2024-01-02T03:04:05Z"}]`,
		`[{"timestamp":"yesterday"}]`, `[{"value":1e400}]`, `{"user_id":"u"}`, `[]`, `null`, `[null]`,
		`[{"user_id":"u","item_id":"i","session_id":"s","value":-0}]`} {
		f.Add(s)
	}
	h := fuzzServer()
	f.Fuzz(func(t *testing.T, body string) {
		checkAnswer(t, serve(h, "POST", "/v1/events", "application/json", body), "POST events")
	})
}

// FuzzRecommendQuery sends arbitrary query strings to the recommendation and list routes.
func FuzzRecommendQuery(f *testing.F) {
	for _, s := range []string{"n=10", "n=-1", "n=1e9", "diversity=NaN", "diversity=0.5&calibration=2",
		"filter=year>=1990&boost=category=Comedy^1.5", "filter=%ff", "category=a,b,,c&exclude=x", "boost=^", "limit=0"} {
		f.Add(s)
	}
	h := fuzzServer()
	f.Fuzz(func(t *testing.T, q string) {
		if strings.ContainsAny(q, " #") {
			return // not a request line a client can send
		}
		if _, err := url.ParseRequestURI("/v1/popular?" + q); err != nil {
			return // control characters and the like: net/http refuses them before any handler
		}
		for _, path := range []string{"/v1/users/u1/recommendations", "/v1/items/i1/similar", "/v1/popular", "/v1/items"} {
			checkAnswer(t, serve(h, "GET", path+"?"+q, "", ""), "GET "+path)
		}
	})
}
