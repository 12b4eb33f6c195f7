package server

import (
	"github.com/recd/recd"
	"github.com/recd/recd/service"
)

// This file holds the component schemas of the OpenAPI document: what the handlers accept and
// send, field for field. Request bodies are decoded with unknown fields rejected, so their
// schemas forbid additional properties; fields the server sets (created_at, updated_at, seq)
// are readOnly: required in answers, never needed in requests.

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

// obj is an object schema with the given properties, no others, and the required ones.
func obj(props map[string]any, required ...string) map[string]any {
	o := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
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
	// serverTime is a time the server sets: sent in answers, ignored in requests.
	serverTime = map[string]any{"type": "string", "format": "date-time", "readOnly": true}
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

func arrOf(name string) map[string]any { return map[string]any{"type": "array", "items": ref(name)} }

// batchOf is a non-empty array of name: an empty batch is refused.
func batchOf(name string) map[string]any {
	return map[string]any{"type": "array", "minItems": 1, "items": ref(name)}
}

// with returns a copy of s with key set to v.
func with(s map[string]any, key string, v any) map[string]any {
	o := map[string]any{key: v}
	for k, x := range s {
		o[k] = x
	}
	return o
}

func described(s map[string]any, desc string) map[string]any {
	o := map[string]any{"description": desc}
	for k, v := range s {
		o[k] = v
	}
	return o
}

// schemas returns the component schemas.
func schemas() map[string]any {
	s := map[string]any{}
	for _, part := range []map[string]any{statusSchemas(), catalogSchemas(), listSchemas(), requestSchemas(), onlineMetricsSchemas(),
		experimentSchemas()} {
		for k, v := range part {
			s[k] = v
		}
	}
	return s
}

// statusSchemas are the errors, health and readiness answers.
func statusSchemas() map[string]any {
	return map[string]any{
		"Error": obj(map[string]any{"error": ref("ErrorDetail")}, "error"),
		"ErrorDetail": obj(map[string]any{"code": described(str, "a stable machine-readable code: invalid_argument, "+
			"not_found, unauthenticated, permission_denied, rate_limited, conflict, unprocessable_entity, "+
			"unsupported_media_type, payload_too_large, request_timeout, deadline_exceeded, unavailable, overloaded, "+
			"method_not_allowed, internal"), "message": str, "field": described(str, "the request field at fault, if one")},
			"code", "message"),
		"Health": obj(map[string]any{"status": str}, "status"),
		"Ready": obj(map[string]any{"status": map[string]any{"type": "string", "enum": []string{"ready", "degraded", "not ready"}},
			"reason": str, "degraded": boolT, "down": strArr,
			"dependencies": described(arrOf("Dependency"), "only for callers with an API key, or when authentication is off"),
			"follower":     ref("FollowStatus"), "stats": ref("Stats")}, "status", "degraded"),
		"Dependency": obj(map[string]any{"name": str, "up": boolT, "error": str, "since": dtime, "checked": dtime},
			"name", "up", "since"),
		"FollowStatus": obj(map[string]any{"last_sync": dtime, "last_error": str, "event_seq": integ, "pending_events": integ,
			"change_seq": integ, "vector_seq": integ, "events_applied": integ, "changes_applied": integ,
			"vectors_applied": integ, "models_loaded": integ, "running": boolT},
			"last_sync", "event_seq", "pending_events", "change_seq", "vector_seq", "events_applied", "changes_applied",
			"vectors_applied", "models_loaded", "running"),
		"Stats": obj(map[string]any{"items": integ, "users": integ, "events": integ}, "items", "users", "events"),
	}
}

// catalogSchemas are items, users, events and the answers of writing them.
func catalogSchemas() map[string]any {
	vectors := map[string]any{"type": "object", "description": "vectors by space name (client-written spaces only)",
		"additionalProperties": map[string]any{"type": "array", "items": num}}
	return map[string]any{
		"Item": obj(map[string]any{"id": described(maxStr(defLimits.MaxIDLength), "always in answers; required in POST /v1/items; in PUT, optional and equal to the path's id"),
			"title": str, "text": str, "categories": strArr, "tags": strArr, "attributes": anyObj,
			"available": described(boolT, "default true"), "vectors": vectors,
			"created_at": serverTime, "updated_at": serverTime, "generated": ref("Generated")}, "created_at", "updated_at"),
		"Generated": with(described(obj(map[string]any{"text": str, "model": str, "at": dtime, "fields": strArr,
			"source_hash": str, "stale": described(boolT, "the fields it was written from changed since")},
			"text", "model", "at", "fields", "source_hash", "stale"),
			"the description a language model wrote from the item's fields; set through PUT "+
				"/v1/items/{id}/generated_text, ignored by writes of the item"), "readOnly", true),
		"GeneratedTextIn": obj(map[string]any{
			"text":  described(map[string]any{"type": "string", "minLength": 1, "maxLength": service.MaxGeneratedText}, "the description"),
			"model": described(map[string]any{"type": "string", "minLength": 1, "maxLength": 256}, "the model that wrote it"),
			"fields": described(map[string]any{"type": "array", "maxItems": len(recd.DescribeFields),
				"items": map[string]any{"type": "string", "enum": recd.DescribeFields}},
				"the item fields it was written from (default title, categories, tags, attributes)"),
			"source_hash": described(map[string]any{"type": "string", "pattern": "^[0-9a-f]{64}$"},
				"SHA-256 of the fields as the describer read them (default: the item as stored now)")},
			"text", "model"),
		"Job": obj(map[string]any{"id": str, "kind": described(str, "describe"),
			"state":      map[string]any{"type": "string", "enum": []string{"running", "done", "failed", "cancelled"}},
			"started_at": dtime, "finished_at": dtime, "error": str,
			"progress": obj(map[string]any{"total": integ, "done": integ, "written": integ, "failed": integ,
				"elapsed_seconds": num, "eta_seconds": num}, "total", "done", "written", "failed", "elapsed_seconds", "eta_seconds"),
			"report": obj(map[string]any{"scanned": integ, "fresh": integ, "thick": integ, "selected": integ,
				"written": integ, "failed": integ, "requests": integ,
				"failures": map[string]any{"type": "array", "description": "the first 100; each is asked again on a later run",
					"items": obj(map[string]any{"id": str, "reason": str}, "id", "reason")}},
				"scanned", "fresh", "thick", "selected", "written", "failed", "requests")},
			"id", "kind", "state", "started_at", "progress"),
		"ItemBatch": batchOf("Item"),
		"BatchResult": obj(map[string]any{"stored": integ, "rejected": map[string]any{"type": "array",
			"description": "NDJSON only: the lines refused, by number from 1",
			"items":       obj(map[string]any{"line": integ, "id": str, "error": ref("ErrorDetail")}, "line", "error")}},
			"stored"),
		"User": obj(map[string]any{"id": described(maxStr(defLimits.MaxIDLength), "always in answers; in PUT, optional and equal to the path's id"),
			"attributes": anyObj, "created_at": serverTime, "updated_at": serverTime}, "created_at", "updated_at"),
		"Event": obj(map[string]any{"user_id": str, "item_id": str, "type": str, "value": num,
			"timestamp": described(dtime, "default: the time the server received it"), "session_id": str,
			"recommendation_id": described(str, "the recommendation_id of the served list the event came from; it must name "+
				"a list served to this user (or an anonymous one), else 400. Without it, an event of an attributed type "+
				"(feedback.attribution_types) gets the newest list that showed its item to its user within "+
				"feedback.attribution_window, if any"),
			"position": map[string]any{"type": "integer", "minimum": 0, "description": "the item's place in that list (0 first); " +
				"default: where the list showed it. Needs recommendation_id"},
			"seq": map[string]any{"type": "integer", "readOnly": true, "description": "the server's sequence number"}},
			"user_id", "item_id", "type"),
		"EventBatch":  batchOf("Event"),
		"EventResult": obj(map[string]any{"stored": integ, "first_seq": integ, "last_seq": integ}, "stored"),
	}
}

// listSchemas are the pages and ranked lists the read routes answer with.
func listSchemas() map[string]any {
	rec := obj(map[string]any{"id": str, "score": num, "title": str, "reasons": arrOf("Reason"),
		"variant": described(str, "in an interleaved list: the experiment variant that placed the item")}, "id", "score", "reasons")
	// recommendation_id names one serving of a recommendation, similar-items or query list
	// (absent from popular and trending lists); an event cites it to attribute itself.
	recID := map[string]any{"type": "string", "pattern": "^[0-7][0-9A-HJKMNP-TV-Z]{25}$",
		"description": "this serving's id: 26 Crockford base32 characters, 48-bit millisecond time then 80 random bits; " +
			"unique and sortable by time. Set on recommendation, similar-items and query answers."}
	return map[string]any{
		"ItemPage":  obj(map[string]any{"items": arrOf("Item"), "next_cursor": str}, "items", "next_cursor"),
		"EventPage": obj(map[string]any{"events": arrOf("Event"), "next_cursor": str}, "events", "next_cursor"),
		"Reason": obj(map[string]any{"type": described(str, "similar_to, popular, popular_in, trending, matches_profile, "+
			"collaborative, session, long_tail or query"), "items": strArr, "category": str, "source": str, "text": str}, "type"),
		"Recommendation": rec,
		"Recommendations": obj(map[string]any{"items": arrOf("Recommendation"), "strategy": str, "model_version": str,
			"recommendation_id": recID, "degraded": described(boolT, "present and true while a dependency is down"),
			"experiment": described(str, "the running experiment the list was served under, if any"),
			"variant":    described(str, "the request's variant in that experiment, or \"interleaved\""),
			"ranker_fallback": described(str, "set when the remote ranker (ranker.backend remote) failed or timed out: "+
				"\"local\" when the local ranker scored the list instead, \"blend\" when the blend did"),
			"scorer": described(str, "what ordered the candidates: \"ranker\" (the learned ranker) or \"blend\" "+
				"(the hand-weighted blend)"),
			"model_fallback": described(str, "set when the request's experiment variant pins a model version that is not "+
				"served (loading, or pruned): why; model_version then names the current version that served")},
			"items", "strategy", "model_version"),
		"QueryResponse": obj(map[string]any{"query": described(anyObj, "the structured query the request was parsed into"),
			"parser": str, "fallback": str, "items": arrOf("Recommendation"),
			"strategy": str, "model_version": str, "recommendation_id": recID, "explanation": str,
			"explanation_source": str, "degraded": boolT,
			"matched": described(boolT, "false when nothing matched the request's own terms "+
				"(words, titles, categories, years, exclusions, conditions) and the items are the fallback: popular items, "+
				"or the user's recommendations when user_id is set")},
			"query", "parser", "items", "strategy", "model_version", "matched"),
		"SpaceList": obj(map[string]any{"spaces": arrOf("Space")}, "spaces"),
		"Space": obj(map[string]any{"name": str, "dim": integ, "metric": str, "sparse": boolT, "count": integ},
			"name", "dim", "metric", "count"),
		"Model": obj(map[string]any{"version": str, "kind": str, "created": dtime, "size_bytes": integ,
			"metrics": map[string]any{"type": "object", "additionalProperties": num}, "serving": boolT,
			"skipped": boolT, "reason": str, "ranker": ref("RankerInfo"), "limits": arrOf("TrainLimit")},
			"version", "kind", "created", "size_bytes", "serving"),
		"TrainLimit": described(obj(map[string]any{"model": str, "action": map[string]any{"type": "string", "description": service.LimitSkipped + " or " + service.LimitLimited}, "reason": str},
			"model", "action", "reason"),
			"what a guard did to one model in the training of the version being served: skipped it (the version serves "+
				"without it) or limited it (trained on less than everything), and why"),
		"ModelList": obj(map[string]any{"models": arrOf("Model")}, "models"),
		"RankerInfo": described(obj(map[string]any{"serving": boolT, "reason": str, "valid_ndcg": num, "blend_ndcg": num,
			"trees": integ, "train_groups": integ, "valid_groups": integ, "train_seconds": num,
			"features": map[string]any{"type": "array", "items": str}, "importance": map[string]any{"type": "array", "items": num},
			"curve": map[string]any{"type": "array", "items": num},
			"propensity": described(obj(map[string]any{"source": str,
				"propensities": map[string]any{"type": "array", "items": num}, "swapped_lists": integ}, "source", "swapped_lists"),
				"what weighted the online labels: the randomised-swap estimate, the logged position-CTR curve, or none; "+
					"the propensity of each position relative to the top")}, "serving", "reason"),
			"the learned ranker of the version being served: whether it serves (it must beat the blend's NDCG@10 on the "+
				"training run's validation users) and why"),
	}
}

// requestSchemas are the bodies of the reads sent with POST.
func requestSchemas() map[string]any {
	l := defLimits
	knob := func(i int) map[string]any { return rangeT("number", knobRanges[i].lo, knobRanges[i].hi) }
	return map[string]any{
		"QueryRequest": obj(map[string]any{"text": maxStr(l.MaxQueryText), "user_id": maxStr(l.MaxIDLength),
			"n": rangeT("integer", 1, float64(l.MaxN)), "explain": boolT, "diversity": knob(0)}, "text"),
		"RecommendRequest": obj(map[string]any{"user_id": maxStr(l.MaxIDLength), "session_id": maxStr(l.MaxIDLength),
			"context_items": maxArr(l.MaxListLength, l.MaxIDLength), "n": rangeT("integer", 1, float64(l.MaxN)),
			"diversity": knob(0), "calibration": knob(1), "long_tail_share": knob(2), "session_weight": knob(3),
			"exposure_strength": knob(4), "rotation": knob(5), "exclude": maxArr(l.MaxExclude, l.MaxIDLength),
			"categories": maxArr(l.MaxCategories, l.MaxValueLength), "exclude_categories": maxArr(l.MaxCategories, l.MaxValueLength),
			"filters": maxArr(l.MaxFilters, l.MaxValueLength), "boosts": maxArr(l.MaxBoosts, l.MaxValueLength)}),
	}
}
