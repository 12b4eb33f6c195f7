package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recd/recd"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

// TestAPI_Degraded runs the real service with one extra dependency that the test takes down
// and brings back.
func TestAPI_Degraded(t *testing.T) {
	var down atomic.Bool
	opts := service.DefaultOptions()
	opts.Dependencies = []service.Dependency{{Name: "redis", Check: func(context.Context) error {
		if down.Load() {
			return errors.New("dial tcp 127.0.0.1:6379: connection refused")
		}
		return nil
	}}}
	svc, h := fixture(t, opts)
	check := func() { svc.CheckHealth(t.Context(), time.Second) }

	t.Run("Up", func(t *testing.T) {
		check()
		r := do(t, h, "GET", "/readyz", "", nil)
		if r.Status != http.StatusOK || r.Body["status"] != "ready" || r.Body["degraded"] != false {
			t.Fatalf("readyz = %d %s, want 200 ready", r.Status, r.Raw)
		}
		deps, _ := r.Body["dependencies"].([]any)
		var names []string
		for _, d := range deps {
			m := d.(map[string]any)
			names = append(names, fmt.Sprintf("%v:%v", m["name"], m["up"]))
		}
		if strings.Join(names, ",") != "store:true,redis:true" {
			t.Errorf("readyz dependencies = %v, want store and redis up", names)
		}
		rec := do(t, h, "GET", "/v1/users/u1/recommendations?n=3", "", nil)
		if _, has := rec.Body["degraded"]; has || rec.Status != http.StatusOK {
			t.Errorf("a healthy answer carries degraded: %d %s", rec.Status, rec.Raw)
		}
	})
	t.Run("Down", func(t *testing.T) {
		down.Store(true)
		check()
		r := do(t, h, "GET", "/readyz", "", nil)
		if r.Status != http.StatusServiceUnavailable || r.Body["status"] != "degraded" {
			t.Fatalf("readyz = %d %s, want 503 degraded", r.Status, r.Raw)
		}
		if fmt.Sprint(r.Body["down"]) != "[redis]" || !strings.Contains(r.Raw, "connection refused") {
			t.Errorf("readyz does not name the dependency and its error: %s", r.Raw)
		}
		for _, path := range []string{"/v1/users/u1/recommendations?n=3", "/v1/popular?n=3", "/v1/trending?n=3",
			"/v1/items/i1/similar?n=3"} {
			rec := do(t, h, "GET", path, "", nil)
			items, _ := rec.Body["items"].([]any)
			if rec.Status != http.StatusOK || rec.Body["degraded"] != true || len(items) == 0 {
				t.Errorf("GET %s while degraded = %d %s, want 200 with items and degraded: true", path, rec.Status, rec.Raw)
			}
		}
		q := do(t, h, "POST", "/v1/query", "application/json", map[string]any{"text": "scifi", "n": 3})
		if q.Status != http.StatusOK || q.Body["degraded"] != true {
			t.Errorf("POST /v1/query while degraded = %d %s", q.Status, q.Raw)
		}
	})
	t.Run("Recovers", func(t *testing.T) {
		down.Store(false)
		check()
		if r := do(t, h, "GET", "/readyz", "", nil); r.Status != http.StatusOK {
			t.Errorf("readyz after recovery = %d %s", r.Status, r.Raw)
		}
		rec := do(t, h, "GET", "/v1/popular?n=3", "", nil)
		if _, has := rec.Body["degraded"]; has {
			t.Errorf("degraded after recovery: %s", rec.Raw)
		}
	})
}

// unavailableStore is a backend whose store is down: every write fails as the store does.
type unavailableStore struct{ fakeBackend }

var errDown = fmt.Errorf("store events: add events: %w: dial tcp 127.0.0.1:5432: connect: connection refused", recd.ErrUnavailable)

func (*unavailableStore) AddEvents(context.Context, []recd.Event) ([]recd.Event, error) {
	return nil, errDown
}
func (*unavailableStore) PutItems(context.Context, []recd.Item) error { return errDown }
func (*unavailableStore) GetItem(context.Context, string) (recd.Item, error) {
	return recd.Item{}, errDown
}

func TestAPI_WriteWithTheStoreDown(t *testing.T) {
	h := server.New(&unavailableStore{}, server.DefaultOptions())
	t.Run("WriteSays503NotStored", func(t *testing.T) {
		for _, req := range []struct{ method, path, body string }{
			{"POST", "/v1/events", `[{"user_id":"u","item_id":"i","type":"view"}]`},
			{"PUT", "/v1/items/x", `{"id":"x","title":"X"}`},
			{"POST", "/v1/items", `[{"id":"x","title":"X"}]`},
		} {
			r := do(t, h, req.method, req.path, "application/json", req.body)
			msg := fmt.Sprint(r.Body["error"].(map[string]any)["message"])
			if r.Status != http.StatusServiceUnavailable || !strings.HasPrefix(msg, "not stored:") ||
				!strings.Contains(msg, "connection refused") {
				t.Errorf("%s %s = %d %s, want 503 saying it was not stored and why", req.method, req.path, r.Status, r.Raw)
			}
		}
	})
	t.Run("ReadSays503WithoutNotStored", func(t *testing.T) {
		r := do(t, h, "GET", "/v1/items/x", "", nil)
		msg := fmt.Sprint(r.Body["error"].(map[string]any)["message"])
		if r.Status != http.StatusServiceUnavailable || strings.HasPrefix(msg, "not stored") {
			t.Errorf("GET item with the store down = %d %s", r.Status, r.Raw)
		}
	})
}
