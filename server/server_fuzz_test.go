package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
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

// FuzzPostEvents sends arbitrary bodies to POST /v1/events, to the default server and to
// one whose body limit is 4 KiB: a larger body must be refused with 413, whatever it holds.
func FuzzPostEvents(f *testing.F) {
	for _, s := range []string{`[{"user_id":"u","item_id":"i","type":"click"}]`,
		`[{"user_id":"u","item_id":"i","type":"rating","value":4.5,"timestamp":"2024-01-02T03:04:05Z"}]`,
		`[{"timestamp":"yesterday"}]`, `[{"value":1e400}]`, `{"user_id":"u"}`, `[]`, `null`, `[null]`,
		`[{"user_id":"u","item_id":"i","session_id":"s","value":-0}]`,
		"[" + strings.Repeat(`{"user_id":"u","item_id":"i","type":"click"},`, 100) + `{"user_id":"u","item_id":"i","type":"click"}]`} {
		f.Add(s)
	}
	h := fuzzServer()
	small := server.New(&fakeBackend{}, server.Options{MaxBodyBytes: 4 << 10})
	f.Fuzz(func(t *testing.T, body string) {
		checkAnswer(t, serve(h, "POST", "/v1/events", "application/json", body), "POST events")
		w := serve(small, "POST", "/v1/events", "application/json", body)
		checkAnswer(t, w, "POST events, 4 KiB limit")
		if len(body) > 4<<10 && w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("a %d-byte body over the 4 KiB limit: %d, want 413", len(body), w.Code)
		}
	})
}

// fuzzLimits are small limits, so the fuzzer reaches them.
var fuzzLimits = func() service.Limits {
	l := service.DefaultLimits()
	l.MaxN, l.MaxFilters, l.MaxBoosts, l.MaxExclude, l.MaxCategories, l.MaxListLength = 50, 4, 4, 8, 4, 4
	l.MaxIDLength, l.MaxValueLength, l.MaxBoostFactor = 32, 32, 10
	return l
}()

// recommendBody is what the oracle of FuzzRecommendPost reads back from an accepted body.
type recommendBody struct {
	UserID, SessionID                                    string
	N                                                    *int
	ContextItems, Exclude, Categories, ExcludeCategories []string
	Filters, Boosts                                      []string
	Diversity, Calibration, LongTailShare, SessionWeight *float64
	ExposureStrength                                     *float64
}

// FuzzRecommendPost sends arbitrary bodies to POST /v1/recommendations under small limits,
// growing one list to extra entries when the body is a JSON object. Besides the answer's
// shape, it checks that a body over any limit is never accepted: an answer below 300 means
// every list, string and number was within its limit.
func FuzzRecommendPost(f *testing.F) {
	for _, s := range []string{`{"user_id":"u","n":5}`, `{"user_id":"u","filters":["year>=1990"],"boosts":["category=Comedy^1.5"]}`,
		`{"session_id":"s","context_items":["a","b"],"diversity":0.5,"calibration":1}`, `{"user_id":"u","boosts":["a=b^1e308"]}`,
		`{"user_id":"u","exposure_strength":11}`, `{"user_id":"u","n":0}`, `{"user_id":"u","categories":["a","b","c","d","e"]}`,
		`{"user_id":"u","exclude":[1]}`, `[]`, ``} {
		f.Add(s, uint8(0), uint16(0))
		f.Add(s, uint8(3), uint16(5))
	}
	lists := []string{"context_items", "exclude", "categories", "exclude_categories", "filters", "boosts"}
	h := server.New(&fakeBackend{}, server.Options{Limits: fuzzLimits, MaxReadBodyBytes: 16 << 10})
	f.Fuzz(func(t *testing.T, body string, field uint8, extra uint16) {
		var m map[string]any
		if extra > 0 && json.Unmarshal([]byte(body), &m) == nil && m != nil {
			xs := make([]string, int(extra)%64)
			for i := range xs {
				xs[i] = "year>=1990"
			}
			m[lists[int(field)%len(lists)]] = xs
			b, _ := json.Marshal(m)
			body = string(b)
		}
		w := serve(h, "POST", "/v1/recommendations", "application/json", body)
		checkAnswer(t, w, "POST recommendations")
		if w.Code >= 300 {
			return
		}
		var in recommendBody
		if err := json.Unmarshal([]byte(body), &in); err != nil {
			t.Fatalf("accepted a body that is not a recommendation request: %q", body)
		}
		if msg := overLimit(&in, fuzzLimits); msg != "" {
			t.Fatalf("accepted a body over the limits (%s): %d %q", msg, w.Code, body)
		}
	})
}

// overLimit names the first limit in breaks, or "".
func overLimit(in *recommendBody, l service.Limits) string {
	if in.N != nil && (*in.N < 1 || *in.N > l.MaxN) {
		return "n"
	}
	if len(in.UserID) > l.MaxIDLength || len(in.SessionID) > l.MaxIDLength {
		return "id length"
	}
	for _, c := range []struct {
		name      string
		xs        []string
		max, size int
	}{{"context_items", in.ContextItems, l.MaxListLength, l.MaxIDLength}, {"exclude", in.Exclude, l.MaxExclude, l.MaxIDLength},
		{"categories", in.Categories, l.MaxCategories, l.MaxValueLength},
		{"exclude_categories", in.ExcludeCategories, l.MaxCategories, l.MaxValueLength},
		{"filters", in.Filters, l.MaxFilters, l.MaxValueLength}, {"boosts", in.Boosts, l.MaxBoosts, l.MaxValueLength}} {
		if len(c.xs) > c.max {
			return c.name
		}
		for _, x := range c.xs {
			if len(x) > c.size {
				return c.name + " entry length"
			}
		}
	}
	for _, v := range []*float64{in.Diversity, in.Calibration, in.LongTailShare, in.SessionWeight} {
		if v != nil && (*v < 0 || *v > 1) {
			return "a knob in [0,1]"
		}
	}
	if v := in.ExposureStrength; v != nil && (*v < 0 || *v > 10) {
		return "exposure_strength"
	}
	return ""
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
