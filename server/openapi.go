package server

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// This file assembles the OpenAPI 3 document served at GET /openapi.json from the route table
// (openapi_paths.go), the responses derived from each route's role and shape
// (openapi_responses.go) and the component schemas (openapi_schemas.go). The document is the
// API's one exact description: every operation lists the statuses it can answer with, the
// content type of each, and the key it needs.

// securitySchemes declares the Bearer API keys of recd serve and their roles.
func securitySchemes() map[string]any {
	return map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer",
		"description": "An API key from auth.keys, sent as Authorization: Bearer KEY. Each key has a role: read " +
			"(reads, recommendations, queries), write (read, plus item, user and event writes) or admin (write, plus " +
			"deletions and /v1/admin). An operation's x-recd-role names the role it needs. Health and readiness are " +
			"public; /metrics and /openapi.json are public unless auth.protect_ops, then they need a read key. " +
			"recd demo runs without authentication."}}
}

// security is the security requirement of d's operation: none for public routes, an optional
// key for the ops routes auth.protect_ops can close, a key otherwise.
func (d doc) security() []any {
	switch {
	case protectable(d.path):
		return []any{map[string]any{}, map[string]any{"bearer": []string{}}}
	case RouteRole(d.method, ginPath(d.path)) == RolePublic:
		return []any{}
	}
	return []any{map[string]any{"bearer": []string{}}}
}

// operation is d's operation object.
func (d doc) operation() map[string]any {
	op := map[string]any{"summary": d.summary, "tags": []string{d.tag}, "operationId": d.id,
		"security": d.security(), "responses": d.responses()}
	role := RouteRole(d.method, ginPath(d.path))
	if protectable(d.path) {
		role = RoleRead
		op["description"] = "Public unless auth.protect_ops; then it needs a key with role read."
	} else if role != RolePublic {
		op["description"] = "Needs a key with role " + role.String() + " or above when authentication is on."
	}
	if role != RolePublic {
		op["x-recd-role"] = role.String()
	}
	var ps []any
	for _, p := range d.params {
		o := map[string]any{"name": p.name, "in": p.in, "required": p.in == "path", "description": p.desc, "schema": p.schema}
		if p.schema["type"] == "array" {
			o["style"], o["explode"] = "form", true
		}
		ps = append(ps, o)
	}
	if ps != nil {
		op["parameters"] = ps
	}
	if d.body != "" {
		op["requestBody"] = d.requestBody()
	}
	return op
}

// requestBody declares d's body under every media type its route takes (bodyTypes).
func (d doc) requestBody() map[string]any {
	content := map[string]any{mediaJSON: map[string]any{"schema": ref(d.body)}}
	for _, t := range bodyTypes[d.method+" "+ginPath(d.path)] {
		if t != mediaJSON {
			content[t] = map[string]any{"schema": map[string]any{"type": "string",
				"description": "one JSON " + strings.TrimSuffix(d.body, "Batch") + " per line"}}
		}
	}
	return map[string]any{"required": true, "content": content}
}

// OpenAPI returns the OpenAPI 3 document of the API.
func OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, d := range docs {
		item, _ := paths[d.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[d.path] = item
		}
		op := d.operation()
		item[strings.ToLower(d.method)] = op
		if d.method == http.MethodGet {
			item["head"] = headOp(op)
		}
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "recd", "version": "1",
			"description": "recd recommendation server: catalog, events, recommendations, similar, popular and trending items, training. " +
				"Every list, string and number a request carries is bounded by the limits configuration section " +
				"(the defaults are shown here) and checked before any work: a request over a limit gets 400 naming the field. " +
				"Every error is a JSON Error body. A path that is no route answers 404 (401 first when authentication is " +
				"on and no valid key is sent); a method a path does not take answers 405 method_not_allowed, and a CORS " +
				"preflight from an origin not in cors_origins answers 403."},
		"servers":    []any{map[string]any{"url": "/", "description": "the server this document was fetched from"}},
		"tags":       tags(),
		"paths":      paths,
		"components": map[string]any{"schemas": schemas(), "securitySchemes": securitySchemes()},
	}
}

// tags describes the operation groups.
func tags() []any {
	t := func(name, desc string) map[string]any { return map[string]any{"name": name, "description": desc} }
	return []any{t("ops", "Health, readiness, metrics and this document"), t("items", "The catalog"),
		t("users", "Users and their events"), t("events", "Interactions"),
		t("recommendations", "Ranked lists: personalised, similar, popular, trending, natural-language"),
		t("vectors", "Vector spaces"), t("admin", "Training and model versions"), t("page", "The search page"),
		t("metrics", "Online metrics of the served lists")}
}

// headOp is the HEAD operation of a GET operation: the same answers without a body.
func headOp(get map[string]any) map[string]any {
	op := map[string]any{}
	for k, v := range get {
		op[k] = v
	}
	op["summary"] = get["summary"].(string) + " (headers only)"
	id := get["operationId"].(string)
	if rest, ok := strings.CutPrefix(id, "get"); ok {
		op["operationId"] = "head" + rest
	} else {
		op["operationId"] = "head" + strings.ToUpper(id[:1]) + id[1:]
	}
	responses := map[string]any{}
	for code, r := range get["responses"].(map[string]any) {
		h := map[string]any{"description": "as GET, without a body"}
		if hs, ok := r.(map[string]any)["headers"]; ok {
			h["headers"] = hs
		}
		responses[code] = h
	}
	op["responses"] = responses
	return op
}

func (s *Server) openapi(c *gin.Context) { c.JSON(http.StatusOK, OpenAPI()) }
