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

// TestPage_noInnerHTML keeps the page from writing data as markup.
func TestPage_noInnerHTML(t *testing.T) {
	b, err := fs.ReadFile(files, "assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(string(b), bad) {
			t.Errorf("app.js uses %s", bad)
		}
	}
}
