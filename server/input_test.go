package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/recd/recd/service"
)

// TestAPI_ContentType: a write's body must be JSON (NDJSON where the route takes it); any
// other type is refused with 415 before it is parsed, and nothing is stored.
func TestAPI_ContentType(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	event := `[{"user_id":"ct-user","item_id":"i1","type":"click"}]`
	for _, ct := range []string{"", "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
		"multipart/form-data; boundary=x", "application/json; charset=iso-8859-1", "application/x-ndjson", "text/json", "json"} {
		for _, req := range []struct{ method, path, body string }{
			{"POST", "/v1/events", event},
			{"PUT", "/v1/items/ct-item", `{"title":"t"}`},
			{"PUT", "/v1/users/ct-user", `{}`},
			{"POST", "/v1/recommendations", `{"user_id":"u1"}`},
		} {
			r := do(t, h, req.method, req.path, ct, req.body)
			e, _ := r.Body["error"].(map[string]any)
			if r.Status != http.StatusUnsupportedMediaType || e["code"] != "unsupported_media_type" ||
				!strings.Contains(fmt.Sprint(e["message"]), "application/json") {
				t.Errorf("%s %s with Content-Type %q = %d %s, want 415 naming application/json", req.method, req.path, ct, r.Status, r.Raw)
			}
		}
	}
	if r := do(t, h, "GET", "/v1/users/ct-user/events", "", nil); r.Status != 200 || len(r.Body["events"].([]any)) != 0 {
		t.Errorf("refused events were stored: %d %s", r.Status, r.Raw)
	}
	if r := do(t, h, "GET", "/v1/items/ct-item", "", nil); r.Status != 404 {
		t.Errorf("a refused item was stored: %d %s", r.Status, r.Raw)
	}
	r := do(t, h, "POST", "/v1/items", "text/plain", `[{"id":"ct-item"}]`)
	if msg := fmt.Sprint(r.Body["error"]); r.Status != 415 || !strings.Contains(msg, "application/x-ndjson") {
		t.Errorf("POST /v1/items text/plain = %d %s, want 415 naming application/x-ndjson", r.Status, r.Raw)
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON; charset=UTF-8"} {
		if r := do(t, h, "POST", "/v1/events", ct, event); r.Status != 200 {
			t.Errorf("POST /v1/events with %q = %d %s, want 200", ct, r.Status, r.Raw)
		}
	}
	if r := do(t, h, "POST", "/v1/items", "application/x-ndjson", "{\"id\":\"nd-1\"}\n"); r.Status != 200 {
		t.Errorf("NDJSON batch = %d %s", r.Status, r.Raw)
	}
	if r := do(t, h, "POST", "/v1/admin/train", "", nil); r.Status != 200 {
		t.Errorf("POST without a body = %d %s, want 200", r.Status, r.Raw)
	}
}

// badIDs cannot round-trip or display safely.
var badIDs = map[string]string{
	"dot": ".", "dotdot": "..", "bidi override": "a\u202Eb", "zero-width space": "a\u200Bb", "zero-width joiner": "a\u200Db",
	"byte order mark": "\uFEFFa", "bell": "a\u0007b", "delete": "a\u007Fb", "variation selector": "a\uFE0Fb",
	"hangul filler": "a\u3164b", "replacement char": "a\uFFFDb", "private use": "a\uE000b", "unassigned": "a\U000E0080b",
	"no-break space": "a\u00A0b", "line separator": "a\u2028b", "not UTF-8": "a\xffb",
}

// TestAPI_IDs: one id rule for item, user and session ids in paths, bodies and events.
func TestAPI_IDs(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	routes := []struct{ method, path, body string }{
		{"PUT", "/v1/items/%s", `{"title":"t"}`}, {"GET", "/v1/items/%s", ""}, {"DELETE", "/v1/items/%s", ""},
		{"GET", "/v1/items/%s/similar", ""}, {"PUT", "/v1/users/%s", `{}`}, {"GET", "/v1/users/%s", ""},
		{"DELETE", "/v1/users/%s", ""}, {"GET", "/v1/users/%s/events", ""}, {"GET", "/v1/users/%s/recommendations", ""},
	}
	for name, id := range badIDs {
		t.Run(name, func(t *testing.T) {
			for _, rt := range routes {
				ct := ""
				if rt.body != "" {
					ct = "application/json"
				}
				r := do(t, h, rt.method, fmt.Sprintf(rt.path, url.PathEscape(id)), ct, rt.body)
				if e, _ := r.Body["error"].(map[string]any); r.Status != 400 || e["field"] != "id" {
					t.Errorf("%s %s = %d %s, want 400 naming id", rt.method, rt.path, r.Status, r.Raw)
				}
			}
			js, _ := json.Marshal(id)
			for _, b := range []struct{ path, body, field string }{
				{"/v1/events", `[{"user_id":` + string(js) + `,"item_id":"i1","type":"click"}]`, "[0].user_id"},
				{"/v1/events", `[{"user_id":"u1","item_id":` + string(js) + `,"type":"click"}]`, "[0].item_id"},
				{"/v1/events", `[{"user_id":"u1","item_id":"i1","type":"click","session_id":` + string(js) + `}]`, "[0].session_id"},
				{"/v1/items", `[{"id":` + string(js) + `}]`, "id"},
				{"/v1/recommendations", `{"user_id":` + string(js) + `}`, "user_id"},
				{"/v1/recommendations", `{"session_id":` + string(js) + `}`, "session_id"},
				{"/v1/recommendations", `{"context_items":["i1",` + string(js) + `]}`, "context_items[1]"},
			} {
				body := b.body
				if !utf8.ValidString(id) { // the raw bytes, as a client sends them (json.Marshal would coerce them)
					body = strings.Replace(body, string(js), `"`+id+`"`, 1)
				}
				r := do(t, h, "POST", b.path, "application/json", body)
				if e, _ := r.Body["error"].(map[string]any); r.Status != 400 || e["field"] != b.field {
					t.Errorf("POST %s %s = %d %s, want 400 naming %s", b.path, body, r.Status, r.Raw, b.field)
				}
			}
		})
	}
	for _, id := range []string{"café", "日本語", "a.b", "..a", "a..", "user@example.com", "smile😀", "a%b", "a+b", "A-Z_0:9"} {
		if r := do(t, h, "PUT", "/v1/items/"+url.PathEscape(id), "application/json", `{"title":"t"}`); r.Status != 200 || r.Body["id"] != id {
			t.Errorf("PUT item %q = %d %s, want 200", id, r.Status, r.Raw)
		}
		if r := do(t, h, "GET", "/v1/items/"+url.PathEscape(id), "", nil); r.Status != 200 || r.Body["id"] != id {
			t.Errorf("GET item %q = %d %s, want it back", id, r.Status, r.Raw)
		}
	}
}

// TestAPI_EventTimestamps: a timestamp after now + max_future_skew or before min_timestamp is
// refused with one error shape, whatever the value, including years time.Time cannot parse.
func TestAPI_EventTimestamps(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	post := func(ts string) response {
		return do(t, h, "POST", "/v1/events", "application/json",
			`[{"user_id":"u1","item_id":"i1","type":"view","timestamp":`+ts+`}]`)
	}
	var first string
	for _, ts := range []string{"2262-04-11T23:47:16Z", "2200-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "10000-01-01T00:00:00Z",
		"+275760-09-13T00:00:00Z", "99999999999999999999-01-01T00:00:00Z", "-0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
		"0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)} {
		r := post(`"` + ts + `"`)
		e, _ := r.Body["error"].(map[string]any)
		if r.Status != 400 || e["field"] != "[0].timestamp" {
			t.Errorf("timestamp %s = %d %s, want 400 naming [0].timestamp", ts, r.Status, r.Raw)
			continue
		}
		if first == "" {
			first = r.Raw
		} else if r.Raw != first {
			t.Errorf("timestamp %s = %s, want the same error as every out-of-range value: %s", ts, r.Raw, first)
		}
	}
	for _, ts := range []string{"1970-01-01T00:00:00Z", "2000-01-01T00:00:00+02:00", time.Now().Add(time.Minute).UTC().Format(time.RFC3339Nano)} {
		if r := post(`"` + ts + `"`); r.Status != 200 {
			t.Errorf("timestamp %s = %d %s, want 200", ts, r.Status, r.Raw)
		}
	}
	for _, ts := range []string{`"yesterday"`, `"2024-13-01T00:00:00Z"`, `"+2024-01-01T00:00:00Z"`, `12345`} {
		if r := post(ts); r.Status != 400 || !strings.Contains(r.Raw, "timestamp") || r.Raw == first {
			t.Errorf("malformed timestamp %s = %d %s, want 400 naming the timestamp", ts, r.Status, r.Raw)
		}
	}
}
