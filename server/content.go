package server

import (
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// Media types of request bodies.
const (
	mediaJSON   = "application/json"
	mediaNDJSON = "application/x-ndjson"
	mediaJSONL  = "application/jsonl"
)

// bodyTypes are the media types a route's body may have beyond application/json, keyed like
// routeRoles. Only what is listed here is parsed: a body of any other type never reaches a
// handler, so a web page cannot post a form or text/plain body across sites.
var bodyTypes = map[string][]string{
	"POST /v1/items": {mediaJSON, mediaNDJSON, mediaJSONL},
}

// requireBodyType answers 415 unsupported_media_type to a request that carries a body with a
// method other than GET, HEAD or OPTIONS when its Content-Type is missing or not a type its
// route takes (application/json unless bodyTypes says more; a charset parameter must be
// utf-8). Requests that matched no route pass on to the 404.
func requireBodyType(c *gin.Context) {
	r := c.Request
	switch {
	case r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions:
	case c.FullPath() == "" || !hasBody(r):
	default:
		want, ok := bodyTypes[r.Method+" "+c.FullPath()]
		if !ok {
			want = []string{mediaJSON}
		}
		if err := checkBodyType(r.Header.Get("Content-Type"), want); err != nil {
			fail(c, err)
			return
		}
	}
	c.Next()
}

// hasBody reports whether r carries a body (of known non-zero or unknown length).
func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || (r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody)
}

// checkBodyType returns an errUnsupportedMediaType error naming the expected types unless
// header is one of want, with no charset or charset utf-8.
func checkBodyType(header string, want []string) error {
	mt, params, err := mime.ParseMediaType(header)
	if err == nil && slices.Contains(want, mt) {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	got := "no Content-Type"
	if header != "" {
		got = fmt.Sprintf("Content-Type %q", truncate(header, 64))
	}
	return fmt.Errorf("the body must be %s (charset utf-8 if one is given), not %s: %w",
		strings.Join(want, " or "), got, errUnsupportedMediaType)
}

// mediaType returns the media type of the request's Content-Type without parameters.
func mediaType(c *gin.Context) string {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	return mt
}
