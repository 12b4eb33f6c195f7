package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/recd/recd/server"
)

// TestPprof_AdminOnly: /debug/pprof/ answers the runtime's profiles to an admin key only;
// no key is 401, a read or write key 403, all as the API's JSON errors.
func TestPprof_AdminOnly(t *testing.T) {
	h, _ := authed(t, newTestAuth(t, server.DefaultAuthOptions(), 0, 0))
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline"} {
		if w := call(h, "GET", path, ""); w.Code != http.StatusUnauthorized || errCode(t, w) != "unauthenticated" {
			t.Errorf("%s without a key: %d %s, want 401", path, w.Code, w.Body)
		}
		for _, role := range []server.Role{server.RoleRead, server.RoleWrite} {
			if w := call(h, "GET", path, testKeys[role]); w.Code != http.StatusForbidden || errCode(t, w) != "permission_denied" {
				t.Errorf("%s with a %s key: %d %s, want 403", path, role, w.Code, w.Body)
			}
		}
		if w := call(h, "GET", path, testKeys[server.RoleAdmin]); w.Code != http.StatusOK || w.Body.Len() == 0 {
			t.Errorf("%s with an admin key: %d, %d bytes; want 200 with a profile", path, w.Code, w.Body.Len())
		}
	}
	w := call(h, "GET", "/debug/pprof/goroutine?debug=1", testKeys[server.RoleAdmin])
	if !strings.Contains(w.Body.String(), "goroutine profile:") {
		t.Errorf("goroutine profile in text = %.100q", w.Body.String())
	}
}

// TestPprof_Params: out-of-range or repeated numbers are a 400 naming the field, an unknown
// profile a 404, both JSON; a one-second CPU profile is served. With authentication off
// (the demo) the profiles are open as every admin route is.
func TestPprof_Params(t *testing.T) {
	h := server.New(&fakeBackend{}, server.Options{})
	for _, tt := range []struct{ path, field string }{
		{"/debug/pprof/profile?seconds=0", "seconds"},
		{"/debug/pprof/profile?seconds=31", "seconds"},
		{"/debug/pprof/trace?seconds=x", "seconds"},
		{"/debug/pprof/heap?debug=3", "debug"},
		{"/debug/pprof/heap?gc=1&gc=1", "gc"},
	} {
		w := call(h, "GET", tt.path, "")
		var body struct{ Error struct{ Code, Field string } }
		if err := json.Unmarshal(w.Body.Bytes(), &body); w.Code != http.StatusBadRequest || err != nil || body.Error.Field != tt.field {
			t.Errorf("%s: %d %s, want 400 naming %s", tt.path, w.Code, w.Body, tt.field)
		}
	}
	if w := call(h, "GET", "/debug/pprof/nope", ""); w.Code != http.StatusNotFound || errCode(t, w) != "not_found" {
		t.Errorf("unknown profile: %d %s, want 404", w.Code, w.Body)
	}
	if w := call(h, "GET", "/debug/pprof/profile?seconds=1", ""); w.Code != http.StatusOK || w.Body.Len() == 0 {
		t.Errorf("CPU profile: %d, %d bytes", w.Code, w.Body.Len())
	}
	if w := call(h, "GET", "/debug/pprof/allocs?gc=1", ""); w.Code != http.StatusOK || w.Body.Len() == 0 {
		t.Errorf("allocs profile: %d, %d bytes", w.Code, w.Body.Len())
	}
}
