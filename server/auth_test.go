package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd/server"
)

// authed returns the API of a server.New over a fake backend, behind a's middleware, and
// the server's routes. The middleware runs in an outer engine that registers every route of
// the inner one, so c.FullPath() is the same as it will be once the middleware is installed
// in server.New; new routes are covered without touching this test.
func authed(t *testing.T, a *server.Auth) (http.Handler, gin.RoutesInfo) {
	t.Helper()
	srv := server.New(&fakeBackend{}, server.Options{Auth: a})
	return srv, srv.Engine().Routes()
}

// concrete fills a gin route pattern with sample ids.
func concrete(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = "id1"
		}
	}
	return strings.Join(parts, "/")
}

func call(h http.Handler, method, path, key string) *httptest.ResponseRecorder {
	var body *strings.Reader
	if method == "POST" || method == "PUT" {
		body = strings.NewReader("{}")
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func errCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("status %d: body %q is not a JSON error", w.Code, w.Body.String())
	}
	return body.Error.Code
}

var testKeys = map[server.Role]string{server.RoleRead: "read-secret", server.RoleWrite: "write-secret", server.RoleAdmin: "admin-secret"}

func newTestAuth(t *testing.T, opts server.AuthOptions, rate float64, burst int) *server.Auth {
	t.Helper()
	var keys []server.APIKey
	for role, k := range testKeys {
		keys = append(keys, server.APIKey{Name: role.String() + "-key", Hash: server.HashKey(k), Role: role, RatePerSec: rate, Burst: burst})
	}
	a, err := server.NewAuth(keys, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAuth_Middleware_EveryRoute(t *testing.T) {
	h, routes := authed(t, newTestAuth(t, server.DefaultAuthOptions(), 0, 0))
	for _, r := range routes {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			if !server.KnownRoute(r.Method, r.Path) {
				t.Fatalf("route is not classified in RouteRole; add it to routeRoles")
			}
			need := server.RouteRole(r.Method, r.Path)
			path := concrete(r.Path)
			for name, key := range map[string]string{"missing": "", "invalid": "not-a-key", "near miss": "read-secret "} {
				w := call(h, r.Method, path, key)
				if need == server.RolePublic {
					if w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden {
						t.Errorf("%s key on public route: status %d", name, w.Code)
					}
					continue
				}
				if name == "near miss" { // trailing space is trimmed by the bearer parser: a valid read key
					continue
				}
				if w.Code != http.StatusUnauthorized {
					t.Fatalf("%s key: status %d, want 401", name, w.Code)
				}
				if got := errCode(t, w); got != "unauthenticated" {
					t.Errorf("%s key: code %q, want unauthenticated", name, got)
				}
				if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s key: WWW-Authenticate = %q", name, w.Header().Get("WWW-Authenticate"))
				}
			}
			// Independent of the routeRoles table: a read key cannot change state and a
			// write key cannot reach admin routes or delete.
			readOnly := r.Method == "GET" || r.Method == "HEAD" || r.Path == "/v1/recommendations" || r.Path == "/v1/query"
			if !readOnly {
				if w := call(h, r.Method, path, testKeys[server.RoleRead]); w.Code != http.StatusForbidden {
					t.Errorf("read key on a writing route: status %d, want 403", w.Code)
				}
			}
			if strings.HasPrefix(r.Path, "/v1/admin/") || r.Method == "DELETE" {
				if w := call(h, r.Method, path, testKeys[server.RoleWrite]); w.Code != http.StatusForbidden {
					t.Errorf("write key on an admin route: status %d, want 403", w.Code)
				}
			}
			for role, key := range testKeys {
				w := call(h, r.Method, path, key)
				if role < need {
					if w.Code != http.StatusForbidden || errCode(t, w) != "permission_denied" {
						t.Errorf("%s key: status %d %s, want 403 permission_denied", role, w.Code, w.Body)
					}
				} else if w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden {
					t.Errorf("%s key: status %d %s, want the handler's answer", role, w.Code, w.Body)
				}
			}
		})
	}
}

func TestRouteRole_Boundaries(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         server.Role
	}{
		{"GET", "/healthz", server.RolePublic},
		{"GET", "/metrics", server.RolePublic},
		{"GET", "/v1/users/:id/recommendations", server.RoleRead},
		{"POST", "/v1/recommendations", server.RoleRead},
		{"POST", "/v1/query", server.RoleRead},
		{"HEAD", "/v1/items/:id", server.RoleRead},
		{"POST", "/v1/events", server.RoleWrite},
		{"PUT", "/v1/items/:id", server.RoleWrite},
		{"POST", "/v1/items", server.RoleWrite},
		{"PUT", "/v1/users/:id", server.RoleWrite},
		{"DELETE", "/v1/users/:id", server.RoleAdmin},
		{"POST", "/v1/admin/train", server.RoleAdmin},
		{"POST", "/v1/admin/something-new", server.RoleAdmin},
		{"GET", "", server.RoleRead},
	} {
		if got := server.RouteRole(tc.method, tc.path); got != tc.want {
			t.Errorf("RouteRole(%s %s) = %s, want %s", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestAuth_ProtectOps(t *testing.T) {
	h, _ := authed(t, newTestAuth(t, server.AuthOptions{ProtectOps: true}, 0, 0))
	if w := call(h, "GET", "/metrics", ""); w.Code != http.StatusUnauthorized {
		t.Errorf("metrics without key: %d, want 401", w.Code)
	}
	if w := call(h, "GET", "/metrics", testKeys[server.RoleRead]); w.Code != http.StatusOK {
		t.Errorf("metrics with read key: %d, want 200", w.Code)
	}
	if w := call(h, "GET", "/healthz", ""); w.Code != http.StatusOK {
		t.Errorf("healthz without key: %d, want 200", w.Code)
	}
}

func TestAuth_RateLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	t.Run("burst then 429 with Retry-After", func(t *testing.T) {
		h, _ := authed(t, newTestAuth(t, server.AuthOptions{Now: clock}, 2, 3))
		key := testKeys[server.RoleRead]
		for i := 0; i < 3; i++ {
			if w := call(h, "GET", "/v1/popular", key); w.Code != http.StatusOK {
				t.Fatalf("request %d within burst: %d %s", i, w.Code, w.Body)
			}
		}
		w := call(h, "GET", "/v1/popular", key)
		if w.Code != http.StatusTooManyRequests || errCode(t, w) != "rate_limited" {
			t.Fatalf("over the burst: %d %s, want 429 rate_limited", w.Code, w.Body)
		}
		if got := w.Header().Get("Retry-After"); got != "1" { // 0.5 s to the next token, rounded up
			t.Errorf("Retry-After = %q, want 1", got)
		}
		// Other keys have their own buckets.
		if w := call(h, "GET", "/v1/popular", testKeys[server.RoleWrite]); w.Code != http.StatusOK {
			t.Errorf("other key: %d, want 200", w.Code)
		}
		now = now.Add(500 * time.Millisecond)
		if w := call(h, "GET", "/v1/popular", key); w.Code != http.StatusOK {
			t.Errorf("after the refill: %d, want 200", w.Code)
		}
	})
	t.Run("slow rate rounds Retry-After up", func(t *testing.T) {
		h, _ := authed(t, newTestAuth(t, server.AuthOptions{Now: clock}, 0.1, 1))
		key := testKeys[server.RoleAdmin]
		call(h, "GET", "/v1/popular", key)
		now = now.Add(1500 * time.Millisecond) // 8.5 s left
		w := call(h, "GET", "/v1/popular", key)
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "9" {
			t.Errorf("got %d Retry-After %q, want 429 and 9", w.Code, w.Header().Get("Retry-After"))
		}
	})
	t.Run("rejected requests do not use tokens", func(t *testing.T) {
		h, _ := authed(t, newTestAuth(t, server.AuthOptions{Now: clock}, 1, 1))
		key := testKeys[server.RoleRead]
		call(h, "GET", "/v1/popular", key)
		for i := 0; i < 5; i++ {
			call(h, "GET", "/v1/popular", key)
		}
		now = now.Add(time.Second)
		if w := call(h, "GET", "/v1/popular", key); w.Code != http.StatusOK {
			t.Errorf("one second after: %d, want 200 (429s must not consume tokens)", w.Code)
		}
	})
}

func TestNewAuth_Validation(t *testing.T) {
	good := server.HashKey("k")
	for _, tc := range []struct {
		name string
		keys []server.APIKey
	}{
		{"empty name", []server.APIKey{{Hash: good, Role: server.RoleRead}}},
		{"duplicate name", []server.APIKey{{Name: "a", Hash: good, Role: server.RoleRead}, {Name: "a", Hash: server.HashKey("j"), Role: server.RoleRead}}},
		{"duplicate hash", []server.APIKey{{Name: "a", Hash: good, Role: server.RoleRead}, {Name: "b", Hash: good, Role: server.RoleWrite}}},
		{"public role", []server.APIKey{{Name: "a", Hash: good, Role: server.RolePublic}}},
		{"unknown role", []server.APIKey{{Name: "a", Hash: good, Role: 9}}},
		{"no prefix", []server.APIKey{{Name: "a", Hash: strings.TrimPrefix(good, "sha256:"), Role: server.RoleRead}}},
		{"short hash", []server.APIKey{{Name: "a", Hash: good[:40], Role: server.RoleRead}}},
		{"not hex", []server.APIKey{{Name: "a", Hash: "sha256:" + strings.Repeat("zz", 32), Role: server.RoleRead}}},
		{"negative rate", []server.APIKey{{Name: "a", Hash: good, Role: server.RoleRead, RatePerSec: -1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := server.NewAuth(tc.keys, server.DefaultAuthOptions()); err == nil {
				t.Error("NewAuth accepted bad keys")
			}
		})
	}
	if _, err := server.NewAuth([]server.APIKey{{Name: "a", Hash: good, Role: server.RoleAdmin}}, server.DefaultAuthOptions()); err != nil {
		t.Errorf("good key rejected: %v", err)
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]server.Role{"read": server.RoleRead, "Write": server.RoleWrite, " admin ": server.RoleAdmin} {
		var r server.Role
		if err := r.UnmarshalText([]byte(in)); err != nil || r != want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", in, r, err, want)
		}
	}
	if _, err := server.ParseRole("public"); err == nil {
		t.Error("public is not a key role")
	}
}

// BenchmarkAuth_Middleware is the per-request cost of the key check and rate limit with 16
// configured keys (routing and a no-op handler included).
func BenchmarkAuth_Middleware(b *testing.B) {
	var keys []server.APIKey
	for i := 0; i < 16; i++ {
		keys = append(keys, server.APIKey{Name: fmt.Sprint("k", i), Hash: server.HashKey(fmt.Sprint("secret", i)), Role: server.RoleWrite, RatePerSec: 1e9})
	}
	a, err := server.NewAuth(keys, server.DefaultAuthOptions())
	if err != nil {
		b.Fatal(err)
	}
	r := gin.New()
	r.Use(a.Middleware(a.Required))
	r.GET("/v1/popular", func(c *gin.Context) { c.Status(http.StatusOK) })
	req := httptest.NewRequest("GET", "/v1/popular", nil)
	req.Header.Set("Authorization", "Bearer secret9")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
