package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/recd/recd"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

// These tests drive the server through the error classes, the auth matrix and the real
// service, and check every answer against the document (conformance, in
// openapi_conformance_test.go); the last pins each operation's declared statuses.

// TestOpenAPI_ErrorsAreDeclared makes the backend fail with each error class it can return
// (each only from the calls that can return it) and checks every answer is declared.
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
		"healthz":          {200, 400},
		"readyz":           {200, 400, 503},
		"metrics":          {200, 400, 401, 429, 500},
		"openapi":          {200, 400, 401, 429},
		"putItem":          {200, 400, 401, 403, 404, 408, 413, 415, 422, 429, 500, 503, 504},
		"getItem":          {200, 400, 401, 404, 429, 500, 503, 504},
		"deleteItem":       {204, 400, 401, 403, 404, 429, 500, 503, 504},
		"listItems":        {200, 400, 401, 429, 500, 503, 504},
		"putItems":         {200, 400, 401, 403, 408, 413, 415, 422, 429, 500, 503, 504},
		"similar":          {200, 400, 401, 404, 429, 500, 503, 504},
		"putUser":          {200, 400, 401, 403, 404, 408, 413, 415, 429, 500, 503, 504},
		"getUser":          {200, 400, 401, 404, 429, 500, 503, 504},
		"deleteUser":       {204, 400, 401, 403, 404, 429, 500, 503, 504},
		"listUserEvents":   {200, 400, 401, 404, 429, 500, 503, 504},
		"recommend":        {200, 400, 401, 429, 500, 503, 504},
		"recommendFor":     {200, 400, 401, 408, 413, 415, 429, 500, 503, 504},
		"query":            {200, 400, 401, 408, 413, 415, 429, 500, 503, 504},
		"page":             {200, 206, 304, 400, 416},
		"asset":            {200, 206, 304, 400, 404, 416},
		"spaces":           {200, 400, 401, 429, 500, 503, 504},
		"addEvents":        {200, 400, 401, 403, 408, 413, 415, 422, 429, 500, 503, 504},
		"popular":          {200, 400, 401, 429, 500, 503, 504},
		"trending":         {200, 400, 401, 429, 500, 503, 504},
		"train":            {200, 400, 401, 403, 409, 429, 500, 503, 504},
		"models":           {200, 400, 401, 403, 429, 500, 503, 504},
		"onlineMetrics":    {200, 400, 401, 429, 500, 503, 504},
		"putExperiment":    {200, 201, 400, 401, 403, 404, 408, 413, 415, 429, 500, 503, 504},
		"listExperiments":  {200, 400, 401, 429, 500, 503, 504},
		"getExperiment":    {200, 400, 401, 404, 429, 500, 503, 504},
		"deleteExperiment": {204, 400, 401, 403, 404, 429, 500, 503, 504},
		"experimentReport": {200, 400, 401, 404, 429, 500, 503, 504},
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
