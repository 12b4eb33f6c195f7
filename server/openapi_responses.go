package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// This file derives each operation's responses from its route's role and shape, so that the
// document lists exactly the statuses the middlewares and the handler can answer with:
//
//   - a route that needs a key: 401 (no or unknown key) and 429 (the key's rate limit, or the
//     key's or client address's share of requests in flight); 403 when it needs more than
//     read, since every key has at least read. /metrics and /openapi.json need a read key
//     under auth.protect_ops: 401 and 429 (the key's rate limit).
//   - every route: 400, since the scalar query parameters (cursor, by, session_id, n, limit)
//     are bounded before routing decides whether they are used: repeated or too long, they
//     are refused on any route. Parameters or a body add their own 400s.
//   - a path id: 404 (a PUT reads back what it stored, and a concurrent delete can come
//     between), except for recommendations, where an unknown user gets the popular list.
//   - a body: 408 (too slow), 413 (too large), 415 (a Content-Type the route does not take).
//   - the doc's extra statuses: 409 (training), 422 (unknown items, vectors refused).
//   - a /v1 route: 500, 503 (the class's slots are taken, or a dependency is down) and 504
//     (past http.request_timeout; training is not stopped by it, but a dependency's own
//     deadline can still end it).
//   - /readyz: 503 with the readiness body; /metrics: 500 when the registry cannot be read;
//     the page and its assets: the file server's 206, 304, 404 (assets) and 416.

// statusText describes each status the API answers with.
var statusText = map[int]string{
	http.StatusBadRequest: "invalid_argument: a parameter or the body is malformed or over a limit; error.field names it. " +
		"On every route, cursor, by, session_id, n and limit may be given once and within their length limits",
	http.StatusUnauthorized:          "unauthenticated: no API key, or one that is not configured (WWW-Authenticate: Bearer)",
	http.StatusForbidden:             "permission_denied: the key's role is below the one the route needs",
	http.StatusNotFound:              "not_found: no such item, user, model version, file or served list",
	http.StatusRequestTimeout:        "request_timeout: the body did not arrive within http.body_timeout",
	http.StatusConflict:              "conflict: a training run is already going on",
	http.StatusRequestEntityTooLarge: "payload_too_large: the body is over http.max_body_bytes (reads sent with POST: http.max_read_body_bytes)",
	http.StatusUnsupportedMediaType:  "unsupported_media_type: the body's Content-Type is not one the route takes",
	http.StatusUnprocessableEntity:   "unprocessable_entity: an unknown item, or vectors the index refuses (space, dimension, values)",
	http.StatusTooManyRequests:       "rate_limited: the key's rate limit, or the key's or client address's share of requests in flight, is used up (Retry-After)",
	http.StatusInternalServerError:   "internal: an unexpected failure (details only in the server's log)",
	http.StatusServiceUnavailable:    "unavailable (no model yet, a dependency down) or overloaded (the route class's slots are taken; Retry-After)",
	http.StatusGatewayTimeout:        "deadline_exceeded: the work took longer than http.request_timeout",
}

// protectable reports whether auth.protect_ops makes the public path need a read key.
func protectable(path string) bool { return path == "/metrics" || path == "/openapi.json" }

// ginPath is path in gin's spelling: {id} as :id, the page's {path} as *path.
func ginPath(path string) string {
	path = strings.ReplaceAll(path, "{path}", "*path")
	return strings.NewReplacer("{", ":", "}", "").Replace(path)
}

// okStatus is the status of d's success: 204 for deletions, 200 otherwise.
func (d doc) okStatus() int {
	if d.method == http.MethodDelete {
		return http.StatusNoContent
	}
	return http.StatusOK
}

// statuses returns, sorted, every status d's operation can answer with.
func (d doc) statuses() []int {
	role := RouteRole(d.method, ginPath(d.path))
	out := []int{d.okStatus()}
	add := func(codes ...int) { out = append(out, codes...) }
	if role != RolePublic || protectable(d.path) {
		add(http.StatusUnauthorized, http.StatusTooManyRequests)
	}
	if role > RoleRead {
		add(http.StatusForbidden)
	}
	add(http.StatusBadRequest) // boundParams runs on every route
	if strings.Contains(d.path, "{id}") && d.id != "recommend" {
		add(http.StatusNotFound)
	}
	if d.body != "" {
		add(http.StatusRequestTimeout, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	add(d.extra...)
	switch {
	case strings.HasPrefix(d.path, "/v1/"):
		add(http.StatusInternalServerError, http.StatusServiceUnavailable)
		add(http.StatusGatewayTimeout)
	case d.path == "/readyz":
		add(http.StatusServiceUnavailable)
	case d.path == "/metrics":
		add(http.StatusInternalServerError)
	case d.tag == "page":
		add(http.StatusPartialContent, http.StatusNotModified, http.StatusRequestedRangeNotSatisfiable)
		if d.path != "/" && d.path != "/admin" {
			add(http.StatusNotFound)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// responses returns d's responses object: each status with its body's content types.
func (d doc) responses() map[string]any {
	out := map[string]any{}
	for _, code := range d.statuses() {
		var r map[string]any
		switch {
		case code < 300:
			r = d.success(code)
		case code == http.StatusNotModified:
			r = map[string]any{"description": "not modified since the validator the request sent"}
		case d.tag == "page" && code != http.StatusBadRequest:
			r = map[string]any{"description": http.StatusText(code), "content": textContent("text/plain")}
		case d.path == "/readyz":
			r = map[string]any{"description": "not ready or degraded: what is down", "content": jsonContent(ref("Ready"))}
		case code == http.StatusUnprocessableEntity && d.body == "ItemBatch":
			r = map[string]any{"description": "NDJSON: every line was refused, none stored (BatchResult); " +
				"a JSON array: " + statusText[code] + " (Error)",
				"content": jsonContent(map[string]any{"oneOf": []any{ref("BatchResult"), ref("Error")}})}
		default:
			r = map[string]any{"description": statusText[code], "content": jsonContent(ref("Error"))}
		}
		if h := headersOf(code); h != nil {
			r["headers"] = h
		}
		out[strconv.Itoa(code)] = r
	}
	return out
}

// success is d's 2xx response, with the content type its handler sends.
func (d doc) success(code int) map[string]any {
	r := map[string]any{"description": "OK"}
	switch {
	case code == http.StatusNoContent:
		r["description"] = "deleted (also when there was nothing to delete)"
	case d.path == "/metrics":
		r["content"] = textContent("text/plain")
	case d.path == "/openapi.json":
		r["content"] = jsonContent(map[string]any{"type": "object", "additionalProperties": true,
			"description": "this OpenAPI 3 document"})
	case d.path == "/" || d.path == "/admin":
		r["content"] = textContent("text/html")
	case d.tag == "page":
		r["content"] = textContent("text/javascript", "text/css")
	case d.resp != "":
		r["content"] = jsonContent(ref(d.resp))
	}
	if code == http.StatusPartialContent {
		r["description"] = "the requested range of the file"
	}
	return r
}

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{mediaJSON: map[string]any{"schema": schema}}
}

func textContent(types ...string) map[string]any {
	c := map[string]any{}
	for _, t := range types {
		c[t] = map[string]any{"schema": str}
	}
	return c
}

// headersOf declares the headers that come with code.
func headersOf(code int) map[string]any {
	h := func(desc string) map[string]any { return map[string]any{"description": desc, "schema": str} }
	switch code {
	case http.StatusUnauthorized:
		return map[string]any{"WWW-Authenticate": h(`Bearer realm="recd" (with error="invalid_token" for an unknown key)`)}
	case http.StatusTooManyRequests:
		return map[string]any{"Retry-After": h("seconds to wait before retrying")}
	case http.StatusServiceUnavailable:
		return map[string]any{"Retry-After": h("seconds to wait before retrying, when overloaded")}
	}
	return nil
}
