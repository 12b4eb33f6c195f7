package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/index"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

// TestAPI_AnonymousLearnsNoRoutes: without a key, a route with a trailing slash or in other
// case, an unknown path and a protected route answer the same 401, never a redirect; with a
// key, such paths are simply not routes.
func TestAPI_AnonymousLearnsNoRoutes(t *testing.T) {
	h := server.New(&fakeBackend{}, server.Options{Auth: newTestAuth(t, server.DefaultAuthOptions(), 0, 0)})
	paths := []struct{ method, path string }{
		{"GET", "/v1/admin/models/"}, {"POST", "/v1/admin/train/"}, {"GET", "/v1/items/"}, {"GET", "/v1/popular/"},
		{"GET", "/V1/POPULAR"}, {"GET", "/v1//popular"}, {"PUT", "/v1/items/x/"}, {"GET", "/nope"}, {"POST", "/v1/nope"},
		{"GET", "/v1/popular"}, {"POST", "/v1/admin/train"}, {"DELETE", "/v1/spaces"},
	}
	want := call(h, "GET", "/nope", "")
	if want.Code != http.StatusUnauthorized {
		t.Fatalf("anonymous GET /nope = %d, want 401", want.Code)
	}
	for _, p := range paths {
		w := call(h, p.method, p.path, "")
		if w.Code != want.Code || w.Body.String() != want.Body.String() || w.Header().Get("Location") != "" {
			t.Errorf("anonymous %s %s = %d %s (Location %q), want the same 401 as an unknown path",
				p.method, p.path, w.Code, w.Body, w.Header().Get("Location"))
		}
	}
	for _, p := range paths[:9] {
		w := call(h, p.method, p.path, testKeys[server.RoleAdmin])
		if w.Code != http.StatusNotFound || w.Header().Get("Location") != "" {
			t.Errorf("admin %s %s = %d (Location %q), want 404 without a redirect", p.method, p.path, w.Code, w.Header().Get("Location"))
		}
	}
}

// TestAPI_BodyTimeout sends the headers and part of a body, then stalls past the server's read
// timeout: every body-reading route answers 408 with a JSON error that shows no internals.
func TestAPI_BodyTimeout(t *testing.T) {
	opts := server.DefaultOptions()
	opts.BodyTimeout = 300 * time.Millisecond
	srv := httptest.NewServer(server.New(&fakeBackend{}, opts))
	defer srv.Close()
	for _, tc := range []struct{ method, path, ctype, part string }{
		{"POST", "/v1/events", "application/json", `[{"user_id":"u","item_id"`},
		{"PUT", "/v1/items/x", "application/json", `{"title":"a`},
		{"PUT", "/v1/users/u", "application/json", `{"attributes":{`},
		{"POST", "/v1/items", "application/json", `[{"id":"a"},`},
		{"POST", "/v1/items", "application/x-ndjson", "{\"id\":\"a\"}\n{\"id\""},
		{"POST", "/v1/recommendations", "application/json", `{"user_id":"u",`},
		{"POST", "/v1/query", "application/json", `{"text":"sci`},
	} {
		t.Run(tc.method+tc.path+" "+tc.ctype, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: recd\r\nContent-Type: %s\r\nContent-Length: 1000\r\n\r\n%s",
				tc.method, tc.path, tc.ctype, tc.part)
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body server.ErrorBody
			err = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != http.StatusRequestTimeout || err != nil || body.Error.Code != "request_timeout" {
				t.Fatalf("stalled body = %d %+v (%v), want 408 request_timeout", resp.StatusCode, body, err)
			}
			if m := body.Error.Message; strings.Contains(m, "tcp") || strings.Contains(m, "timeout") || strings.Contains(m, "JSON") {
				t.Errorf("message %q shows internals", m)
			}
		})
	}
}

// errBackend answers every item read with err.
type errBackend struct {
	fakeBackend
	err error
}

func (b *errBackend) GetItem(context.Context, string) (recd.Item, error) { return recd.Item{}, b.err }
func (b *errBackend) Recommend(context.Context, service.RecommendRequest) (rank.Response, error) {
	return rank.Response{}, b.err
}

// TestAPI_ErrorMessagesAreClean: whatever an error wraps, the message shown is its outer text
// without the class names the status already says.
func TestAPI_ErrorMessagesAreClean(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		msg    string
	}{
		{service.ErrNoModel, 503, "no trained model yet: run training first"},
		{fmt.Errorf("item %q: %w", "x", recd.ErrNotFound), 404, `item "x"`},
		{fmt.Errorf("get item %q: %w", "x", recd.ErrNotFound), 404, `get item "x"`},
		{fmt.Errorf("search: %w", index.ErrUnknownSpace), 404, "search: unknown vector space"},
		{fmt.Errorf("upsert: %w", index.ErrDimensionMismatch), 422, "upsert: dimension mismatch"},
		{fmt.Errorf("read: %w: %w", recd.ErrUnavailable, errors.New("database is locked")), 503, "read: database is locked"},
		{fmt.Errorf("parse: %w", recd.Invalid("n", "must be positive")), 400, "n: must be positive"},
		{recd.Invalid("filter[0]", fmt.Errorf("parse condition %q: no operator: %w", "x", recd.ErrInvalid).Error()), 400,
			`filter[0]: parse condition "x": no operator`},
		{service.ErrTrainingRunning, 409, "a training job is already running"},
		{errors.New("disk on fire: /var/lib/recd"), 500, "internal error"},
	} {
		h := server.New(&errBackend{err: tc.err}, server.DefaultOptions())
		for _, path := range []string{"/v1/items/x", "/v1/users/u/recommendations"} {
			r := do(t, h, "GET", path, "", nil)
			e, _ := r.Body["error"].(map[string]any)
			if r.Status != tc.status || e["message"] != tc.msg {
				t.Errorf("GET %s with %q = %d %q, want %d %q", path, tc.err, r.Status, e["message"], tc.status, tc.msg)
			}
		}
	}
	r := do(t, server.New(&fakeBackend{}, server.DefaultOptions()), "GET", "/nope", "", nil)
	if e, _ := r.Body["error"].(map[string]any); r.Status != 404 || e["message"] != "no such route: /nope" {
		t.Errorf("GET /nope = %d %s, want 404 no such route: /nope", r.Status, r.Raw)
	}
}

// TestAPI_Readyz_Anonymous: without a valid key /readyz says ready or not and which
// dependency is down, and nothing about the data or the dependencies' errors.
func TestAPI_Readyz_Anonymous(t *testing.T) {
	var down atomic.Bool
	opts := service.DefaultOptions()
	opts.Dependencies = []service.Dependency{{Name: "redis", Check: func(context.Context) error {
		if down.Load() {
			return errors.New("dial tcp 10.1.2.3:6379: connection refused")
		}
		return nil
	}}}
	svc, _ := fixture(t, opts)
	h := server.New(svc, server.Options{Auth: newTestAuth(t, server.DefaultAuthOptions(), 0, 0)})
	for _, state := range []bool{false, true} {
		down.Store(state)
		svc.CheckHealth(t.Context(), time.Second)
		for _, key := range []string{"", "not-a-key"} {
			w := call(h, "GET", "/readyz", key)
			var body map[string]any
			_ = json.Unmarshal(w.Body.Bytes(), &body)
			for k := range body {
				if k != "status" && k != "degraded" && k != "down" {
					t.Errorf("down=%v key %q: /readyz shows %q: %s", state, key, k, w.Body)
				}
			}
			if strings.Contains(w.Body.String(), "10.1.2.3") || body["status"] == nil {
				t.Errorf("down=%v key %q: /readyz = %s", state, key, w.Body)
			}
			if state && (w.Code != 503 || fmt.Sprint(body["down"]) != "[redis]") {
				t.Errorf("down: /readyz = %d %s, want 503 naming redis", w.Code, w.Body)
			}
		}
		w := call(h, "GET", "/readyz", testKeys[server.RoleRead])
		if state && !strings.Contains(w.Body.String(), "10.1.2.3") || !state && !strings.Contains(w.Body.String(), `"stats"`) {
			t.Errorf("down=%v read key: /readyz = %s, want the details", state, w.Body)
		}
	}
	r := do(t, server.New(&notReady{}, server.Options{Auth: newTestAuth(t, server.DefaultAuthOptions(), 0, 0)}), "GET", "/readyz", "", nil)
	if r.Status != 503 || r.Body["status"] != "not ready" || strings.Contains(r.Raw, "secret") {
		t.Errorf("not ready: /readyz = %d %s", r.Status, r.Raw)
	}
}

type notReady struct{ fakeBackend }

func (*notReady) Ready() (bool, string) { return false, "loading model from secret-bucket" }

// TestAPI_Head: HEAD answers every GET route like GET, without a body.
func TestAPI_Head(t *testing.T) {
	_, h := fixture(t, service.DefaultOptions())
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/openapi.json", "/", "/v1/items", "/v1/items/i1",
		"/v1/items/nope", "/v1/items/i1/similar?n=3", "/v1/users/u1", "/v1/users/u1/events", "/v1/users/u1/recommendations?n=3",
		"/v1/popular?n=3", "/v1/trending?n=0", "/v1/spaces", "/v1/admin/models"} {
		get := do(t, h, "GET", path, "", nil)
		head := do(t, h, "HEAD", path, "", nil)
		if head.Status != get.Status || head.Raw != "" {
			t.Errorf("HEAD %s = %d with %d body bytes, want GET's %d without a body", path, head.Status, len(head.Raw), get.Status)
		}
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Head(srv.URL + "/v1/items/i1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("HEAD over HTTP = %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if r := do(t, h, "HEAD", "/v1/events", "", nil); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("HEAD on a POST route = %d, want 405", r.Status)
	}
}
