package server_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/recd/recd/rank"
	"github.com/recd/recd/server"
	"github.com/recd/recd/service"
)

// heavyBackend stands for a request whose work takes 10 s and checks its context as the
// pipeline does: each call reports on stopped how long it ran once its context ended.
type heavyBackend struct {
	fakeBackend
	stopped chan time.Duration
}

func (b *heavyBackend) work(ctx context.Context) error {
	start := time.Now()
	select {
	case <-ctx.Done():
		b.stopped <- time.Since(start)
		return ctx.Err()
	case <-time.After(10 * time.Second):
		b.stopped <- time.Since(start)
		return nil
	}
}

func (b *heavyBackend) Recommend(ctx context.Context, _ service.RecommendRequest) (rank.Response, error) {
	return rank.Response{Strategy: "heavy"}, b.work(ctx)
}
func (b *heavyBackend) Similar(ctx context.Context, _ string, _ int, _ string, _ []string) (rank.Response, error) {
	return rank.Response{Strategy: "heavy"}, b.work(ctx)
}
func (b *heavyBackend) Query(ctx context.Context, _ service.QueryRequest) (service.QueryResponse, error) {
	return service.QueryResponse{}, b.work(ctx)
}

var heavyRequests = []struct{ method, path, body string }{
	{"GET", "/v1/users/u1/recommendations?n=10", ""},
	{"POST", "/v1/recommendations", `{"user_id":"u1"}`},
	{"GET", "/v1/items/i1/similar", ""},
	{"POST", "/v1/query", `{"text":"comedies from the 80s"}`},
}

// TestServer_RequestTimeout: past RequestTimeout a request's context ends, its work stops and
// the answer is 504 deadline_exceeded, on every heavy read route.
func TestServer_RequestTimeout(t *testing.T) {
	for _, r := range heavyRequests {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			b := &heavyBackend{stopped: make(chan time.Duration, 1)}
			h := server.New(b, server.Options{RequestTimeout: 100 * time.Millisecond})
			w := serve(h, r.method, r.path, "application/json", r.body)
			if w.Code != http.StatusGatewayTimeout || errCode(t, w) != "deadline_exceeded" {
				t.Errorf("got %d %s, want 504 deadline_exceeded", w.Code, w.Body)
			}
			if ran := <-b.stopped; ran > time.Second {
				t.Errorf("the work ran %v, want it stopped at the 100ms deadline", ran)
			}
		})
	}
}

// TestServer_ClientGone: when the client hangs up, the request's work stops at once.
func TestServer_ClientGone(t *testing.T) {
	for _, r := range heavyRequests {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			b := &heavyBackend{stopped: make(chan time.Duration, 1)}
			ts := httptest.NewServer(server.New(b, server.Options{RequestTimeout: time.Minute}))
			defer ts.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, r.method, ts.URL+r.path, strings.NewReader(r.body))
			if r.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			if resp, err := (&http.Client{Transport: tr}).Do(req); err == nil {
				resp.Body.Close()
				t.Fatalf("the request answered %d before the client hung up", resp.StatusCode)
			}
			select {
			case ran := <-b.stopped:
				if ran > time.Second {
					t.Errorf("the work ran %v after the client hung up at 100ms", ran)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("the work did not stop within 3 s of the client hanging up")
			}
		})
	}
}

// TestServer_MetricLabelsBounded: methods, paths and status codes a client makes up never
// become metric label values: /metrics stays small and names only known methods or "other".
func TestServer_MetricLabelsBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('A' + rng.IntN(26))
		}
		return string(b)
	}
	for _, withAuth := range []bool{false, true} {
		t.Run(fmt.Sprintf("auth=%v", withAuth), func(t *testing.T) {
			opts := server.Options{Registry: prometheus.NewRegistry()}
			if withAuth {
				a, err := server.NewAuth([]server.APIKey{{Name: "r", Hash: server.HashKey("k"), Role: server.RoleRead}}, server.AuthOptions{})
				if err != nil {
					t.Fatal(err)
				}
				opts.Auth = a
			}
			h := server.New(&fakeBackend{}, opts)
			metrics := func() string {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
				b, _ := io.ReadAll(w.Body)
				return string(b)
			}
			for i := range 300 {
				path := []string{"/v1/popular", "/v1/items/" + word(40), "/" + word(200), "/v1/recommendations"}[i%4]
				serve(h, word(1000+i), path, "", "")
			}
			got := metrics()
			if len(got) > 64<<10 {
				t.Errorf("/metrics is %d bytes after 300 made-up methods, want under 64 KiB", len(got))
			}
			for _, m := range regexp.MustCompile(`method="([^"]*)"`).FindAllStringSubmatch(got, -1) {
				if m[1] != "other" && !regexp.MustCompile(`^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|CONNECT|TRACE)$`).MatchString(m[1]) {
					t.Fatalf("method label %q", truncateForLog(m[1]))
				}
			}
			for _, m := range regexp.MustCompile(`route="([^"]*)"`).FindAllStringSubmatch(got, -1) {
				if m[1] != "unmatched" && !strings.HasPrefix(m[1], "/") || len(m[1]) > 64 {
					t.Fatalf("route label %q", truncateForLog(m[1]))
				}
			}
			if !strings.Contains(got, `method="other"`) {
				t.Error(`no method="other" series after made-up methods`)
			}
		})
	}
}

func truncateForLog(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
