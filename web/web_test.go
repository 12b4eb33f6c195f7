package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	tests := []struct {
		method, path string
		status       int
		ctype, body  string
	}{
		{"GET", "/", 200, "text/html", `<form id="search-form"`},
		{"GET", "/assets/app.js", 200, "javascript", "textContent"},
		{"GET", "/assets/api.js", 200, "javascript", "sessionStorage"},
		{"GET", "/assets/style.css", 200, "text/css", ".items"},
		{"HEAD", "/", 200, "text/html", ""},
		{"GET", "/assets/", 404, "", ""},
		{"GET", "/nope", 404, "", ""},
		{"GET", "/assets/../web.go", 404, "", ""},
		{"POST", "/", 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if tt.ctype != "" && !strings.Contains(res.Header.Get("Content-Type"), tt.ctype) {
				t.Errorf("content type = %q, want %q", res.Header.Get("Content-Type"), tt.ctype)
			}
			if !strings.Contains(string(body), tt.body) {
				t.Errorf("body does not contain %q", tt.body)
			}
			if tt.status == 200 && !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("missing content security policy")
			}
		})
	}
}

// scripts returns the page's JavaScript files by name.
func scripts(t *testing.T) map[string]string {
	t.Helper()
	names, err := fs.Glob(files, "assets/*.js")
	if err != nil || len(names) < 2 {
		t.Fatalf("page scripts = %v, %v; want api.js and app.js", names, err)
	}
	out := map[string]string{}
	for _, n := range names {
		b, err := fs.ReadFile(files, n)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = string(b)
	}
	return out
}

// TestPage_noInnerHTML keeps the page from writing data as markup.
func TestPage_noInnerHTML(t *testing.T) {
	for name, src := range scripts(t) {
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(src, bad) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
	}
}

// TestPage_keyStaysInTheTab keeps the API key out of every store that outlives the tab or
// travels by itself: the scripts use sessionStorage, and never localStorage, cookies or
// IndexedDB.
func TestPage_keyStaysInTheTab(t *testing.T) {
	all := ""
	for name, src := range scripts(t) {
		all += src
		for _, bad := range []string{"localStorage", "document.cookie", "indexedDB"} {
			if strings.Contains(src, bad) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
	}
	if !strings.Contains(all, "sessionStorage") || !strings.Contains(all, `"Authorization"`) {
		t.Errorf("the scripts do not keep the key in sessionStorage and send it as Authorization")
	}
}
