package server

import (
	"fmt"
	"net/http"

	"github.com/recd/recd/service"
)

// This file holds the route table of the OpenAPI document: one doc per route, with its
// operationId, parameters, body and answer. The statuses each operation declares are derived
// from the route's role and shape (openapi_responses.go); a test checks the table against
// the router and drives every route to check that each status it answers is declared.

// doc describes one route for the OpenAPI document.
type doc struct {
	method, path, id, summary string
	params                    []param
	body                      string // schema name of the request body ("" for none)
	resp                      string // schema name of the 2xx response ("" for none)
	tag                       string
	extra                     []int // statuses only this route's semantics produce (409, 422)
}

// param is one path or query parameter; schema is its JSON schema.
type param struct {
	name, in, desc string
	schema         map[string]any
}

// defLimits are the limits the document states: the defaults.
var defLimits = service.DefaultLimits()

// The parameters shared by several routes, bounded by the default limits.
var (
	pID = param{"id", "path", fmt.Sprintf("item or user id (at most limits.max_id_length, %d bytes)", defLimits.MaxIDLength),
		maxStr(defLimits.MaxIDLength)}
	pN = param{"n", "query", fmt.Sprintf("number of results (default 10, at most limits.max_n, %d)", defLimits.MaxN),
		rangeT("integer", 1, float64(defLimits.MaxN))}
	pCat = param{"category", "query", fmt.Sprintf("only items in any of these categories (comma-separated or repeated; "+
		"at most limits.max_categories, %d, of at most limits.max_value_length, %d bytes)",
		defLimits.MaxCategories, defLimits.MaxValueLength), strArr}
	pExcl = param{"exclude", "query", fmt.Sprintf("item ids never to return (comma-separated or repeated; at most "+
		"limits.max_exclude, %d)", defLimits.MaxExclude), strArr}
	pLimit = param{"limit", "query", fmt.Sprintf("page size (default 100, at most limits.max_page_size, %d)",
		defLimits.MaxPageSize), rangeT("integer", 1, float64(defLimits.MaxPageSize))}
	pCursor = param{"cursor", "query", "next_cursor of the previous page (at most limits.max_value_length bytes)",
		maxStr(defLimits.MaxValueLength)}
	pBy = param{"by", "query", "itemknn (default for items with interactions), cf, content (default for new items), " +
		"hybrid, or any vector space name (at most limits.max_value_length bytes)", maxStr(defLimits.MaxValueLength)}
	pForce = param{"force", "query", "train even when nothing changed (default false)", boolT}
	pAsset = param{"path", "path", "asset file", str}
	rankPs = []param{
		knobParam(0, "MMR diversity in [0,1] (lambda = 1 - diversity)"),
		knobParam(1, "calibration strength in [0,1]: the list's category mix follows the history's"),
		knobParam(2, "minimum share of long-tail items in [0,1]"),
		knobParam(3, "weight of the similarity to the last actions in [0,1]"),
		knobParam(4, "boost of items under-exposed in recent responses (0..10, 0.1 is gentle)"),
		{"session_id", "query", "an anonymous session whose recent actions also count (at most limits.max_id_length bytes)",
			maxStr(defLimits.MaxIDLength)},
		{"exclude_category", "query", "never items in these categories (at most limits.max_categories)", strArr},
		{"filter", "query", fmt.Sprintf("attribute condition, repeatable: year>=1990, category!=Horror, lang:in:en|fr "+
			"(README, Attribute conditions; at most limits.max_filters, %d, of at most limits.max_value_length bytes)",
			defLimits.MaxFilters), strArr},
		{"boost", "query", fmt.Sprintf("multiplicative boost condition^factor, repeatable: category=Comedy^1.5 (at most "+
			"limits.max_boosts, %d; the factor within [1/limits.max_boost_factor, limits.max_boost_factor])",
			defLimits.MaxBoosts), strArr},
	}
	conflict      = []int{http.StatusConflict}
	unprocessable = []int{http.StatusUnprocessableEntity}
)

// knobParam is the query parameter of the i-th ranking knob, bounded by its range.
func knobParam(i int, desc string) param {
	r := knobRanges[i]
	return param{r.name, "query", desc, rangeT("number", r.lo, r.hi)}
}

// docs lists every route; a test checks it against the router, so the two cannot drift.
var docs = []doc{
	{"GET", "/healthz", "healthz", "Liveness: the process is up", nil, "", "Health", "ops", nil},
	{"GET", "/readyz", "readyz", "Readiness: a trained model is served and every dependency (store, index, Redis) is up; " +
		"503 naming what is down otherwise", nil, "", "Ready", "ops", nil},
	{"GET", "/metrics", "metrics", "Prometheus metrics in text format", nil, "", "", "ops", nil},
	{"GET", "/openapi.json", "openapi", "This document", nil, "", "", "ops", nil},
	{"PUT", "/v1/items/{id}", "putItem", "Create or replace an item", []param{pID}, "Item", "Item", "items", unprocessable},
	{"GET", "/v1/items/{id}", "getItem", "Get an item (404 if unknown)", []param{pID}, "", "Item", "items", nil},
	{"DELETE", "/v1/items/{id}", "deleteItem", "Delete an item", []param{pID}, "", "", "items", nil},
	{"GET", "/v1/items", "listItems", "List items by id, paged", []param{pLimit, pCursor}, "", "ItemPage", "items", nil},
	{"POST", "/v1/items", "putItems", "Store a batch of items: a JSON array (all or nothing), or NDJSON with Content-Type " +
		"application/x-ndjson or application/jsonl (bad lines reported by number, with 422 when any was rejected)",
		nil, "ItemBatch", "BatchResult", "items", unprocessable},
	{"GET", "/v1/items/{id}/similar", "similar", "Items similar to an item, by item-kNN, a vector space or a hybrid",
		[]param{pID, pN, pCat, pBy}, "", "Recommendations", "recommendations", nil},
	{"PUT", "/v1/users/{id}", "putUser", "Create or replace a user", []param{pID}, "User", "User", "users", nil},
	{"GET", "/v1/users/{id}", "getUser", "Get a user", []param{pID}, "", "User", "users", nil},
	{"DELETE", "/v1/users/{id}", "deleteUser", "Delete a user and all their events", []param{pID}, "", "", "users", nil},
	{"GET", "/v1/users/{id}/events", "listUserEvents", "A user's events, newest first, paged",
		[]param{pID, pLimit, pCursor}, "", "EventPage", "users", nil},
	{"GET", "/v1/users/{id}/recommendations", "recommend", "Personalised recommendations (an unknown user gets the popular list)",
		append([]param{pID, pN, pExcl, pCat}, rankPs...), "", "Recommendations", "recommendations", nil},
	{"POST", "/v1/recommendations", "recommendFor", "Recommendations for a user, an anonymous session or context items alone",
		nil, "RecommendRequest", "Recommendations", "recommendations", nil},
	{"POST", "/v1/query", "query", "A natural-language request: parsed (built-in parser, or an LLM when configured) and " +
		"answered by the ranking pipeline", nil, "QueryRequest", "QueryResponse", "recommendations", nil},
	{"GET", "/", "page", "The search page (HTML)", nil, "", "", "page", nil},
	{"GET", "/assets/{path}", "asset", "The search page's script and style", []param{pAsset}, "", "", "page", nil},
	{"GET", "/v1/spaces", "spaces", "Vector spaces with their dimension, metric and size", nil, "", "SpaceList", "vectors", nil},
	{"POST", "/v1/events", "addEvents", "Store a JSON array of events durably (all or nothing); visible to the next request",
		nil, "EventBatch", "EventResult", "events", unprocessable},
	{"GET", "/v1/popular", "popular", "Most popular items (Bayesian average)", []param{pN, pCat}, "", "Recommendations",
		"recommendations", nil},
	{"GET", "/v1/trending", "trending", "Items with the highest time-decayed interaction score", []param{pN, pCat}, "",
		"Recommendations", "recommendations", nil},
	{"POST", "/v1/admin/train", "train", "Train every model now and serve the new version (409 while a run is going on); " +
		"with no new event or catalog change since the served version, 200 with that version, skipped true and the " +
		"reason, unless force=true", []param{pForce}, "", "Model", "admin", conflict},
	{"GET", "/v1/admin/models", "models", "Saved model versions with training time and sizes", nil, "", "ModelList",
		"admin", nil},
	{"PUT", "/v1/experiments/{id}", "putExperiment", "Create (201) or replace (200) an experiment; 400 naming the field " +
		"for an invalid definition, an unknown override, a span overlapping an experiment not yet finished (start), or a " +
		"33rd experiment (id)", []param{pExpID}, "Experiment", "Experiment", "experiments", created},
	{"GET", "/v1/experiments", "listExperiments", "Every experiment with its status", nil, "", "ExperimentList", "experiments", nil},
	{"GET", "/v1/experiments/{id}", "getExperiment", "One experiment with its status", []param{pExpID}, "", "Experiment",
		"experiments", nil},
	{"DELETE", "/v1/experiments/{id}", "deleteExperiment", "Delete an experiment (its served lists stay until retention)",
		[]param{pExpID}, "", "", "experiments", nil},
	{"GET", "/v1/experiments/{id}/report", "experimentReport", "An experiment's report: per-user CTR per variant with 95% " +
		"intervals, lift against the control and p-values, the sample-ratio check, and for interleaving the preference test",
		[]param{pExpID}, "", "ExperimentReport", "experiments", nil},
	{"GET", "/v1/metrics/online", "onlineMetrics", "Online metrics of the lists served in a window (default the last 24 h, " +
		"at most 90 days) and the clicks and conversions attributed to them, per group; with group_by=user.<attribute> " +
		"also the largest gap between groups", onlinePs, "", "OnlineMetrics", "metrics", nil},
}

// onlinePs are the parameters of GET /v1/metrics/online.
var onlinePs = []param{
	{"from", "query", "start of the window, included: RFC 3339 or Unix seconds (default: 24 h before to)", str},
	{"to", "query", "end of the window, excluded: RFC 3339 or Unix seconds (default: now)", str},
	{"group_by", "query", "variant, strategy, model_version, route, or user.<attribute> (the user's value now; " +
		"at most 50 groups by lists, the rest as other)", maxStr(defLimits.MaxValueLength)},
	{"experiment", "query", "only the lists served under this experiment", maxStr(defLimits.MaxIDLength)},
	{"k", "query", "positions counted by ctr_at_k and position_ctr (default 10)", rangeT("integer", 1, 100)},
}
