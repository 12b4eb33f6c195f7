// Package web holds the pages recd serves: the search page at "/" and the operator page at
// "/admin", static HTML, CSS and JavaScript embedded in the binary, with no framework and no
// build step.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// files is the page's root: index.html and assets/.
var files, _ = fs.Sub(static, "static")

// Handler serves the pages: "/" and "/index.html" give the search page, "/admin" the operator
// page, "/assets/..." their scripts and style sheets; other paths are 404. Mount it at the site root, or under a prefix with
// http.StripPrefix: the page reaches the API with relative URLs ("v1/query"), so the API must
// be mounted at the same prefix. The page itself needs no key; when the API does, the page
// asks the reader for one, keeps it in the tab's sessionStorage and sends it only as the
// Authorization header of its API calls (assets/api.js). Only GET and HEAD are allowed.
// Safe for concurrent use.
func Handler() http.Handler {
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy",
			"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		switch {
		case p == "/" || p == "/index.html":
			h.Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, files, "index.html")
		case p == "/admin":
			h.Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, files, "admin.html")
		case strings.HasPrefix(p, "/assets/") && p != "/assets/":
			h.Set("Cache-Control", "no-cache")
			r2 := r.Clone(r.Context())
			r2.URL.Path = p
			fileServer.ServeHTTP(w, r2)
		default:
			http.NotFound(w, r)
		}
	})
}
