package server_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd/server"
)

func TestConcurrencyLimiter_Middleware(t *testing.T) {
	lim, err := server.NewConcurrencyLimiter(server.ConcurrencyOptions{Read: 2, Write: 1, Wait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	r := gin.New()
	r.Use(lim.Middleware(func(c *gin.Context) server.Role { return server.RouteRole(c.Request.Method, c.FullPath()) }))
	r.GET("/v1/popular", func(c *gin.Context) {
		started <- struct{}{}
		<-release
		c.Status(http.StatusOK)
	})
	r.GET("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w
	}
	var wg sync.WaitGroup
	codes := make(chan int, 3)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); codes <- get("/v1/popular").Code }()
	}
	<-started
	<-started
	if got := lim.InFlight(server.RoleRead); got != 2 {
		t.Errorf("InFlight(read) = %d, want 2", got)
	}
	w := get("/v1/popular")
	if w.Code != http.StatusServiceUnavailable || errCode(t, w) != "overloaded" || w.Header().Get("Retry-After") == "" {
		t.Errorf("full class: %d %s (Retry-After %q), want 503 overloaded", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
	if w := get("/healthz"); w.Code != http.StatusOK {
		t.Errorf("public route while reads are full: %d, want 200", w.Code)
	}
	close(release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("admitted request: %d, want 200", c)
		}
	}
	go func() { <-started }()
	if w := get("/v1/popular"); w.Code != http.StatusOK {
		t.Errorf("after release: %d, want 200", w.Code)
	}
	if got := lim.InFlight(server.RoleRead); got != 0 {
		t.Errorf("InFlight(read) after all done = %d, want 0", got)
	}
}

func TestNewConcurrencyLimiter_Invalid(t *testing.T) {
	if _, err := server.NewConcurrencyLimiter(server.ConcurrencyOptions{Read: -1}); err == nil {
		t.Error("negative bound accepted")
	}
}

func TestCheckJSONDepth(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"scalar", `42`, true},
		{"at limit", `{"a":[{"b":1}]}`, true},
		{"over limit", `{"a":[{"b":[1]}]}`, false},
		{"brackets in strings", `{"a":"[[[[[[{{{{"}`, true},
		{"escaped quote", `{"a":"\"[[[[[["}`, true},
		{"escaped backslash then quote", `["\\",[[[]]]]`, false},
		{"ndjson lines each shallow", "[[1]]\n[[2]]\n[[3]]\n", true},
		{"deep array", strings.Repeat("[", 100) + strings.Repeat("]", 100), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := server.CheckJSONDepth(strings.NewReader(tc.in), 3)
			var de *server.DepthError
			if tc.ok && err != nil {
				t.Errorf("got %v, want nil", err)
			}
			if !tc.ok && !errors.As(err, &de) {
				t.Errorf("got %v, want a *DepthError", err)
			}
		})
	}
}

func TestJSONDepthLimit(t *testing.T) {
	srv := server.New(&fakeBackend{}, server.DefaultOptions())
	outer := gin.New()
	outer.Use(server.JSONDepthLimit(8))
	for _, r := range srv.Engine().Routes() {
		outer.Handle(r.Method, r.Path, gin.WrapH(srv))
	}
	deep := `[{"user_id":"u","item_id":"i","type":"click","value":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}]`
	w := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/v1/events", strings.NewReader(deep))
	req.Header.Set("Content-Type", "application/json")
	outer.ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "deeper than 8") {
		t.Errorf("deep body: %d %s, want 400 naming the depth", w.Code, w.Body)
	}
	item := `{"title":"x","attributes":{"a":{"b":{"c":[1,2]}}}}`
	w = httptest.NewRecorder()
	req = httptest.NewRequest("PUT", "/v1/items/i1", strings.NewReader(item))
	req.Header.Set("Content-Type", "application/json")
	outer.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Errorf("shallow body: %d %s, want 200", w.Code, w.Body)
	}
}

func TestCORS(t *testing.T) {
	mw, err := server.CORS(server.CORSOptions{AllowedOrigins: []string{"https://shop.example/"}})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(mw)
	r.GET("/v1/popular", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	send := func(method, origin, reqMethod string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/v1/popular", nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if reqMethod != "" {
			req.Header.Set("Access-Control-Request-Method", reqMethod)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	t.Run("preflight allowed", func(t *testing.T) {
		w := send("OPTIONS", "https://shop.example", "GET")
		if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != "https://shop.example" ||
			!strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Authorization") ||
			w.Header().Get("Access-Control-Max-Age") != "600" {
			t.Errorf("got %d %v", w.Code, w.Header())
		}
	})
	t.Run("preflight refused", func(t *testing.T) {
		w := send("OPTIONS", "https://evil.example", "GET")
		if w.Code != http.StatusForbidden || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("got %d %v", w.Code, w.Header())
		}
	})
	t.Run("simple request allowed", func(t *testing.T) {
		w := send("GET", "https://shop.example", "")
		if w.Code != http.StatusOK || w.Header().Get("Access-Control-Allow-Origin") != "https://shop.example" {
			t.Errorf("got %d %v", w.Code, w.Header())
		}
	})
	t.Run("other origin gets no CORS headers", func(t *testing.T) {
		w := send("GET", "https://evil.example", "")
		if w.Code != http.StatusOK || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("got %d %v", w.Code, w.Header())
		}
	})
	t.Run("no origin untouched", func(t *testing.T) {
		if w := send("GET", "", ""); w.Header().Get("Vary") != "" {
			t.Errorf("Vary set without Origin: %v", w.Header())
		}
	})
	t.Run("wildcard", func(t *testing.T) {
		mw, _ := server.CORS(server.CORSOptions{AllowedOrigins: []string{"*"}})
		r := gin.New()
		r.Use(mw)
		r.GET("/x", func(c *gin.Context) {})
		req := httptest.NewRequest("GET", "/x", nil)
		req.Header.Set("Origin", "https://any.example")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("got %v", w.Header())
		}
	})
	if _, err := server.CORS(server.CORSOptions{AllowedOrigins: []string{"shop.example"}}); err == nil {
		t.Error("origin without scheme accepted")
	}
}
