package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recd/recd"
)

// flaky is a test server that answers the first fails requests with status (and Retry-After
// when set), then 200 with an item.
func flaky(t *testing.T, fails int, status int, retryAfter string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if int(n.Add(1)) <= fails {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":{"code":"unavailable","message":"busy"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"a","available":true}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func newTest(t *testing.T, base string, opts ...Option) *Client {
	t.Helper()
	c, err := New(base, append([]Option{WithBackoff(time.Millisecond, 20*time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClient_RetryHonoursRetryAfter(t *testing.T) {
	srv, n := flaky(t, 1, http.StatusServiceUnavailable, "1")
	c, err := New(srv.URL) // default backoff: Retry-After (1s) is within its 10s cap
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	it, err := c.GetItem(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	if it.ID != "a" || n.Load() != 2 {
		t.Fatalf("got item %q after %d requests, want a after 2", it.ID, n.Load())
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("retried after %v, before the server's Retry-After of 1s", d)
	}
}

func TestClient_RetryOn429WithBackoff(t *testing.T) {
	srv, n := flaky(t, 2, http.StatusTooManyRequests, "")
	c := newTest(t, srv.URL)
	// A POST is retried on 429 too: the server refused it before doing any work.
	if _, err := c.AddEvents(context.Background(), []recd.Event{{UserID: "u", ItemID: "a", Type: "view"}}); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 3 {
		t.Fatalf("requests = %d, want 3", got)
	}
}

func TestClient_RetriesRunOut(t *testing.T) {
	srv, n := flaky(t, 100, http.StatusServiceUnavailable, "")
	c := newTest(t, srv.URL, WithRetries(2))
	_, err := c.GetItem(context.Background(), "a")
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 503 || e.Message != "busy" {
		t.Fatalf("err = %v, want the 503 *Error", err)
	}
	if !errors.Is(err, recd.ErrUnavailable) {
		t.Fatalf("errors.Is(%v, recd.ErrUnavailable) = false", err)
	}
	if got := n.Load(); got != 3 {
		t.Fatalf("requests = %d, want 1 + 2 retries", got)
	}
}

func TestClient_NoRetryOnOtherStatus(t *testing.T) {
	srv, n := flaky(t, 100, http.StatusInternalServerError, "")
	c := newTest(t, srv.URL)
	if _, err := c.GetItem(context.Background(), "a"); err == nil {
		t.Fatal("want an error")
	}
	if got := n.Load(); got != 1 {
		t.Fatalf("requests = %d, want 1: a 500 is not retried", got)
	}
}

// dropping is a test server whose first request loses its connection without an answer.
func dropping(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		_, _ = w.Write([]byte(`{"id":"a","available":true,"stored":1}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestClient_ConnectionErrorRetriedOnlyWhenIdempotent(t *testing.T) {
	t.Run("GET retried", func(t *testing.T) {
		srv, n := dropping(t)
		if _, err := newTest(t, srv.URL).GetItem(context.Background(), "a"); err != nil {
			t.Fatal(err)
		}
		if got := n.Load(); got != 2 {
			t.Fatalf("requests = %d, want 2", got)
		}
	})
	t.Run("PUT retried", func(t *testing.T) {
		srv, n := dropping(t)
		if _, err := newTest(t, srv.URL).PutItem(context.Background(), recd.Item{ID: "a"}); err != nil {
			t.Fatal(err)
		}
		if got := n.Load(); got != 2 {
			t.Fatalf("requests = %d, want 2", got)
		}
	})
	t.Run("POST not retried", func(t *testing.T) {
		srv, n := dropping(t)
		_, err := newTest(t, srv.URL).AddEvents(context.Background(), []recd.Event{{UserID: "u", ItemID: "a", Type: "view"}})
		if err == nil {
			t.Fatal("want the connection error")
		}
		if got := n.Load(); got != 1 {
			t.Fatalf("requests = %d, want 1: a POST may have been applied", got)
		}
	})
}

func TestClient_ContextCancellation(t *testing.T) {
	t.Run("during the request", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}))
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := newTest(t, srv.URL).GetItem(ctx, "a")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("during the backoff", func(t *testing.T) {
		srv, n := flaky(t, 100, http.StatusServiceUnavailable, "5")
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		c, err := New(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = c.GetItem(ctx, "a")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 2*time.Second || n.Load() != 1 {
			t.Fatalf("returned after %v and %d requests, want at once after 1", d, n.Load())
		}
	})
}

func TestClient_PathEscaping(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		_, _ = w.Write([]byte(`{"items":[]}`))
	}))
	defer srv.Close()
	if _, err := newTest(t, srv.URL+"/").Similar(context.Background(), "a/b c?", 3, ""); err != nil {
		t.Fatal(err)
	}
	if want := "/v1/items/a%2Fb%20c%3F/similar"; got != want {
		t.Fatalf("path = %q, want %q", got, want)
	}
}

func TestNew_Validates(t *testing.T) {
	for name, tc := range map[string]struct {
		base string
		opts []Option
	}{
		"no scheme":        {"localhost:8080", nil},
		"ftp":              {"ftp://h", nil},
		"query":            {"http://h/?a=1", nil},
		"negative retries": {"http://h", []Option{WithRetries(-1)}},
		"nil http client":  {"http://h", []Option{WithHTTPClient(nil)}},
		"bad backoff":      {"http://h", []Option{WithBackoff(time.Second, time.Millisecond)}},
		"key with newline": {"http://h", []Option{WithAPIKey("a\nb")}},
	} {
		if _, err := New(tc.base, tc.opts...); err == nil {
			t.Errorf("%s: New succeeded, want an error", name)
		}
	}
	if _, err := New("https://recd.example.com/", WithRetries(0), WithAPIKey("k")); err != nil {
		t.Fatal(err)
	}
}

func TestError_FromBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"code":"invalid_argument","message":"must be between 1 and 1000","field":"n"}}`))
	}))
	defer srv.Close()
	_, err := newTest(t, srv.URL).Popular(context.Background(), 5000)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %T %v, want *Error", err, err)
	}
	want := Error{StatusCode: 400, Code: "invalid_argument", Message: "must be between 1 and 1000", Field: "n"}
	if *e != want {
		t.Fatalf("got %+v, want %+v", *e, want)
	}
	if !IsInvalid(err) || IsNotFound(err) || !errors.Is(err, recd.ErrInvalid) {
		t.Fatalf("helpers disagree with status 400: %v", err)
	}
	if got := e.Error(); got != "recd: 400 invalid_argument: must be between 1 and 1000 (field n)" {
		t.Fatalf("Error() = %q", got)
	}
}
