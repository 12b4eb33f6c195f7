package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck_ExitsByReadiness(t *testing.T) {
	ready := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"not ready","reason":"store: down"}`))
			return
		}
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"healthcheck", "--url", srv.URL + "/readyz"}, &out, &errb); code != 0 {
		t.Fatalf("ready server: exit %d, stderr %q", code, errb.String())
	}
	ready = false
	errb.Reset()
	if code := run(context.Background(), []string{"healthcheck", "--url", srv.URL + "/readyz"}, &out, &errb); code != 1 {
		t.Fatalf("unready server: exit %d, want 1", code)
	}
	if !strings.Contains(errb.String(), "store: down") {
		t.Errorf("stderr %q does not carry the server's reason", errb.String())
	}
	srv.Close()
	if code := run(context.Background(), []string{"healthcheck", "--url", srv.URL + "/readyz", "--timeout", "1s"}, &out, &errb); code != 1 {
		t.Fatalf("closed server: exit %d, want 1", code)
	}
}
