package server

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/recd/recd/service"
)

// doc describes one route for the OpenAPI document.
type doc struct {
	method, path, summary string
	params                []param
	body                  string // schema name of the request body ("" for none)
	resp                  string // schema name of the 200 response
	tag                   string
}

type param struct{ name, in, typ, desc string }

var (
	pID     = param{"id", "path", "string", "item or user id (at most limits.max_id_length, 256 bytes)"}
	pN      = param{"n", "query", "integer", "number of results (default 10, at most limits.max_n)"}
	pCat    = param{"category", "query", "string", "only items in any of these categories (comma-separated or repeated; at most limits.max_categories, 256, of at most limits.max_value_length, 256 bytes)"}
	pExcl   = param{"exclude", "query", "string", "item ids never to return (comma-separated or repeated; at most limits.max_exclude, 1000)"}
	pLimit  = param{"limit", "query", "integer", "page size (default 100, at most limits.max_page_size, 1000)"}
	pCursor = param{"cursor", "query", "string", "next_cursor of the previous page (at most limits.max_value_length bytes)"}
	pBy     = param{"by", "query", "string", "itemknn (default for items with interactions), cf, content (default for new items), hybrid, or any vector space name (at most limits.max_value_length bytes)"}
	rankPs  = []param{
		{"diversity", "query", "number", "MMR diversity in [0,1] (lambda = 1 - diversity)"},
		{"calibration", "query", "number", "calibration strength in [0,1]: the list's category mix follows the history's"},
		{"long_tail_share", "query", "number", "minimum share of long-tail items in [0,1]"},
		{"session_weight", "query", "number", "weight of the similarity to the last actions in [0,1]"},
		{"exposure_strength", "query", "number", "boost of items under-exposed in recent responses (0..10, 0.1 is gentle)"},
		{"session_id", "query", "string", "an anonymous session whose recent actions also count (at most limits.max_id_length bytes)"},
		{"exclude_category", "query", "string", "never items in these categories (at most limits.max_categories)"},
		{"filter", "query", "string", "attribute condition, repeatable: year>=1990, category!=Horror, lang:in:en|fr (README, Attribute conditions; at most limits.max_filters, 64, of at most limits.max_value_length bytes)"},
		{"boost", "query", "string", "multiplicative boost condition^factor, repeatable: category=Comedy^1.5 (at most limits.max_boosts, 64; the factor within [1/limits.max_boost_factor, limits.max_boost_factor], 0.01..100)"},
	}
)

// docs lists every route; a test checks it against the router, so the two cannot drift.
var docs = []doc{
	{"GET", "/healthz", "Liveness: the process is up", nil, "", "Status", "ops"},
	{"GET", "/readyz", "Readiness: a trained model is served and every dependency (store, index, Redis) is up; 503 naming what is down otherwise", nil, "", "Status", "ops"},
	{"GET", "/metrics", "Prometheus metrics in text format", nil, "", "", "ops"},
	{"GET", "/openapi.json", "This document", nil, "", "", "ops"},
	{"PUT", "/v1/items/{id}", "Create or replace an item", []param{pID}, "Item", "Item", "items"},
	{"GET", "/v1/items/{id}", "Get an item (404 if unknown)", []param{pID}, "", "Item", "items"},
	{"DELETE", "/v1/items/{id}", "Delete an item", []param{pID}, "", "", "items"},
	{"GET", "/v1/items", "List items by id, paged", []param{pLimit, pCursor}, "", "ItemPage", "items"},
	{"POST", "/v1/items", "Store a batch of items: a JSON array (all or nothing), or NDJSON with Content-Type application/x-ndjson (bad lines reported by number)", nil, "ItemBatch", "BatchResult", "items"},
	{"GET", "/v1/items/{id}/similar", "Items similar to an item, by item-kNN, a vector space or a hybrid", []param{pID, pN, pCat, pBy}, "", "Recommendations", "recommendations"},
	{"PUT", "/v1/users/{id}", "Create or replace a user", []param{pID}, "User", "User", "users"},
	{"GET", "/v1/users/{id}", "Get a user", []param{pID}, "", "User", "users"},
	{"DELETE", "/v1/users/{id}", "Delete a user and all their events", []param{pID}, "", "", "users"},
	{"GET", "/v1/users/{id}/events", "A user's events, newest first, paged", []param{pID, pLimit, pCursor}, "", "EventPage", "users"},
	{"GET", "/v1/users/{id}/recommendations", "Personalised recommendations (an unknown user gets the popular list)", append([]param{pID, pN, pExcl, pCat}, rankPs...), "", "Recommendations", "recommendations"},
	{"POST", "/v1/recommendations", "Recommendations for a user, an anonymous session or context items alone", nil, "RecommendRequest", "Recommendations", "recommendations"},
	{"POST", "/v1/query", "A natural-language request: parsed (built-in parser, or an LLM when configured) and answered by the ranking pipeline", nil, "QueryRequest", "QueryResponse", "recommendations"},
	{"GET", "/", "The search page (HTML)", nil, "", "", "page"},
	{"GET", "/assets/{path}", "The search page's script and style", []param{{"path", "path", "string", "asset file"}}, "", "", "page"},
	{"GET", "/v1/spaces", "Vector spaces with their dimension, metric and size", nil, "", "SpaceList", "vectors"},
	{"POST", "/v1/events", "Store a JSON array of events durably (all or nothing); visible to the next request", nil, "EventBatch", "EventResult", "events"},
	{"GET", "/v1/popular", "Most popular items (Bayesian average)", []param{pN, pCat}, "", "Recommendations", "recommendations"},
	{"GET", "/v1/trending", "Items with the highest time-decayed interaction score", []param{pN, pCat}, "", "Recommendations", "recommendations"},
	{"POST", "/v1/admin/train", "Train every model now and serve the new version (409 while a run is going on); with no new event or catalog change since the served version, 200 with that version, skipped true and the reason, unless force=true", []param{{"force", "query", "boolean", "train even when nothing changed (default false)"}}, "", "Model", "admin"},
	{"GET", "/v1/admin/models", "Saved model versions with training time and sizes", nil, "", "ModelList", "admin"},
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func obj(props map[string]any, required ...string) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

var (
	str    = map[string]any{"type": "string"}
	num    = map[string]any{"type": "number"}
	integ  = map[string]any{"type": "integer"}
	boolT  = map[string]any{"type": "boolean"}
	strArr = map[string]any{"type": "array", "items": str}
	anyObj = map[string]any{"type": "object", "additionalProperties": true}
	dtime  = map[string]any{"type": "string", "format": "date-time"}
	// Server-set fields: answered by reads, accepted and ignored on writes.
	roTime = map[string]any{"type": "string", "format": "date-time", "readOnly": true}
	roInt  = map[string]any{"type": "integer", "readOnly": true}
)

// maxStr is a string of at most n bytes; maxArr an array of at most n strings of at most size
// bytes; rangeT a number of type typ in [lo, hi]. schemas fills them from the default limits.
func maxStr(n int) map[string]any { return map[string]any{"type": "string", "maxLength": n} }
func maxArr(n, size int) map[string]any {
	return map[string]any{"type": "array", "maxItems": n, "items": maxStr(size)}
}
func rangeT(typ string, lo, hi float64) map[string]any {
	return map[string]any{"type": typ, "minimum": lo, "maximum": hi}
}

func schemas() map[string]any {
	l := service.DefaultLimits()
	knob := func(i int) map[string]any { return rangeT("number", knobRanges[i].lo, knobRanges[i].hi) }
	arr := func(name string) map[string]any { return map[string]any{"type": "array", "items": ref(name)} }
	return map[string]any{
		"Error":  obj(map[string]any{"error": obj(map[string]any{"code": str, "message": str, "field": str}, "code", "message")}, "error"),
		"Status": obj(map[string]any{"status": str, "reason": str}),
		"Item": obj(map[string]any{"id": str, "title": str, "text": str, "categories": strArr, "tags": strArr,
			"attributes": anyObj, "available": boolT, "created_at": roTime, "updated_at": roTime,
			"vectors": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "array", "items": num}}}),
		"ItemBatch": arr("Item"),
		"ItemPage":  obj(map[string]any{"items": arr("Item"), "next_cursor": str}),
		"BatchResult": obj(map[string]any{"stored": integ, "rejected": map[string]any{"type": "array",
			"items": obj(map[string]any{"line": integ, "id": str, "error": ref("Error")})}}),
		"User": obj(map[string]any{"id": str, "attributes": anyObj, "created_at": roTime, "updated_at": roTime}),
		"Event": obj(map[string]any{"user_id": str, "item_id": str, "type": str, "value": num,
			"timestamp": dtime, "session_id": str, "seq": roInt}, "user_id", "item_id", "type"),
		"EventBatch":  arr("Event"),
		"EventPage":   obj(map[string]any{"events": arr("Event"), "next_cursor": str}),
		"EventResult": obj(map[string]any{"stored": integ, "first_seq": integ, "last_seq": integ}),
		"Reason":      obj(map[string]any{"type": str, "items": strArr, "category": str, "source": str, "text": str}),
		"Recommendations": obj(map[string]any{"items": map[string]any{"type": "array", "items": obj(map[string]any{
			"id": str, "score": num, "title": str, "reasons": arr("Reason")})}, "strategy": str, "model_version": str,
			"degraded": boolT}),
		"Model": obj(map[string]any{"version": str, "kind": str, "created": dtime, "size_bytes": integ,
			"metrics": map[string]any{"type": "object", "additionalProperties": num}, "serving": boolT,
			"skipped": boolT, "reason": str}),
		"ModelList": obj(map[string]any{"models": arr("Model")}),
		"QueryRequest": obj(map[string]any{"text": maxStr(l.MaxQueryText), "user_id": maxStr(l.MaxIDLength),
			"n": rangeT("integer", 1, float64(l.MaxN)), "explain": boolT, "diversity": knob(0)}, "text"),
		"QueryResponse": obj(map[string]any{"query": anyObj, "parser": str, "fallback": str,
			"items":    map[string]any{"type": "array", "items": obj(map[string]any{"id": str, "score": num, "title": str, "reasons": arr("Reason")})},
			"strategy": str, "model_version": str, "explanation": str, "explanation_source": str, "degraded": boolT,
			"matched": map[string]any{"type": "boolean", "description": "false when nothing matched the request's own terms " +
				"(words, titles, categories, years, exclusions, conditions) and the items are the fallback: popular items, " +
				"or the user's recommendations when user_id is set"}}),
		"SpaceList": obj(map[string]any{"spaces": map[string]any{"type": "array", "items": obj(map[string]any{
			"name": str, "dim": integ, "metric": str, "sparse": boolT, "count": integ})}}),
		"RecommendRequest": obj(map[string]any{"user_id": maxStr(l.MaxIDLength), "session_id": maxStr(l.MaxIDLength),
			"context_items": maxArr(l.MaxListLength, l.MaxIDLength), "n": rangeT("integer", 1, float64(l.MaxN)),
			"diversity": knob(0), "calibration": knob(1), "long_tail_share": knob(2), "session_weight": knob(3),
			"exposure_strength": knob(4), "exclude": maxArr(l.MaxExclude, l.MaxIDLength),
			"categories": maxArr(l.MaxCategories, l.MaxValueLength), "exclude_categories": maxArr(l.MaxCategories, l.MaxValueLength),
			"filters": maxArr(l.MaxFilters, l.MaxValueLength), "boosts": maxArr(l.MaxBoosts, l.MaxValueLength)}),
	}
}

// OpenAPI returns the OpenAPI 3 document of the API.
func OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, d := range docs {
		op := map[string]any{"summary": d.summary, "tags": []string{d.tag},
			"operationId": strings.ToLower(d.method) + strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_").Replace(d.path)}
		var ps []any
		for _, p := range d.params {
			ps = append(ps, map[string]any{"name": p.name, "in": p.in, "required": p.in == "path",
				"description": p.desc, "schema": map[string]any{"type": p.typ}})
		}
		if ps != nil {
			op["parameters"] = ps
		}
		if d.body != "" {
			content := map[string]any{mediaJSON: map[string]any{"schema": ref(d.body)}}
			for _, t := range bodyTypes[d.method+" "+d.path] {
				if t != mediaJSON {
					content[t] = map[string]any{"schema": map[string]any{"type": "string",
						"description": "one JSON " + strings.TrimSuffix(d.body, "Batch") + " per line"}}
				}
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
		}
		ok := map[string]any{"description": "OK"}
		if d.resp != "" {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": ref(d.resp)}}
		}
		errResp := func(desc string) map[string]any {
			return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
		}
		status := "200"
		if d.method == "DELETE" {
			status = "204"
		}
		responses := map[string]any{status: ok, "400": errResp("invalid argument"), "404": errResp("not found"),
			"413": errResp("body too large"), "422": errResp("unprocessable (unknown item, wrong vector dimension)"),
			"429": errResp("rate limited, or the key's or client address's share of requests in flight is used up (Retry-After)"),
			"503": errResp("unavailable (no model yet, dependency down, overloaded)"),
			"504": errResp("deadline_exceeded: the work took longer than http.request_timeout")}
		if d.body != "" {
			responses["408"] = errResp("the body did not arrive within http.body_timeout")
			responses["415"] = errResp("the body's Content-Type is not application/json (or another type the route lists)")
		}
		op["responses"] = responses
		item, _ := paths[d.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[d.path] = item
		}
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
				"(the defaults are shown here) and checked before any work: a request over a limit gets 400 naming the field."},
		"paths":      paths,
		"components": map[string]any{"schemas": schemas()},
	}
}

// headOp is the HEAD operation of a GET operation: the same answers without a body.
func headOp(get map[string]any) map[string]any {
	op := map[string]any{}
	for k, v := range get {
		op[k] = v
	}
	op["summary"] = get["summary"].(string) + " (headers only)"
	op["operationId"] = "head" + strings.TrimPrefix(get["operationId"].(string), "get")
	responses := map[string]any{}
	for code := range get["responses"].(map[string]any) {
		responses[code] = map[string]any{"description": "as GET, without a body"}
	}
	op["responses"] = responses
	return op
}

func (s *Server) openapi(c *gin.Context) { c.JSON(http.StatusOK, OpenAPI()) }
