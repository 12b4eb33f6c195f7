#!/usr/bin/env bash
# Run a pinned Prism validating proxy (--errors) in front of a live `recd demo` and send it
# short traffic over every route; print each answer's status and what Prism flagged. Not in
# CI: it downloads Prism, starts two servers and takes about a minute. Needs Node.js (npx).
set -euo pipefail
cd "$(dirname "$0")/.."
PRISM=@stoplight/prism-cli@5.14.2
RECD_PORT=${RECD_PORT:-18181} PRISM_PORT=${PRISM_PORT:-4010}
command -v npx >/dev/null 2>&1 || { echo "openapi-prism: npx (Node.js) is required" >&2; exit 1; }
dir=$(mktemp -d)
pids=()
# Each server runs in its own process group (setsid), so npx's node child goes with it.
cleanup() { for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
go build -o "$dir/recd" ./cmd/recd
setsid "$dir/recd" demo --addr "127.0.0.1:$RECD_PORT" --data-dir "$dir/data" --no-progress >"$dir/recd.log" 2>&1 &
pids+=($!)
wait_for() { for _ in $(seq 120); do curl -sf -o /dev/null "$1" && return 0; sleep 1; done; echo "no answer from $1" >&2; exit 1; }
wait_for "http://127.0.0.1:$RECD_PORT/readyz"
curl -sf "http://127.0.0.1:$RECD_PORT/openapi.json" >"$dir/openapi.json"
setsid npx --yes "$PRISM" proxy --errors -p "$PRISM_PORT" "$dir/openapi.json" "http://127.0.0.1:$RECD_PORT" >"$dir/prism.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$PRISM_PORT/healthz"

B="http://127.0.0.1:$PRISM_PORT" J='Content-Type: application/json'
# The demo runs without keys; the document requires one on /v1, so a dummy key satisfies Prism.
r() {
	local m=$1 p=$2
	shift 2
	printf '%-7s %-70s -> %s\n' "$m" "$p" "$(curl -s -o /dev/null -w '%{http_code}' -X "$m" \
		-H 'Authorization: Bearer demo' "$@" "$B$p")"
}
r GET /healthz; r GET /readyz; r GET /metrics; r GET /openapi.json; r GET /; r GET /assets/app.js
r GET /assets/nope.js
r PUT /v1/items/oa1 -H "$J" -d '{"title":"OpenAPI test","categories":["Comedy"],"attributes":{"year":1999}}'
r PUT /v1/items/oa1 -H 'Content-Type: text/plain' -d 'x'
r GET /v1/items/oa1; r GET /v1/items/nope; r GET '/v1/items?limit=2'; r GET '/v1/items?limit=0'
r POST /v1/items -H "$J" -d '[{"id":"oa2","title":"two"}]'
r POST /v1/items -H 'Content-Type: application/x-ndjson' --data-binary $'{"id":"oa3"}\n{"id":"oa4"}\n'
r POST /v1/items -H 'Content-Type: application/x-ndjson' --data-binary $'nope\n'
r GET '/v1/items/1/similar?n=3'; r GET /v1/items/nope/similar
r PUT /v1/users/oau -H "$J" -d '{"attributes":{"a":1}}'
r GET /v1/users/oau; r GET /v1/users/nope; r GET '/v1/users/1/events?limit=2'
r GET '/v1/users/1/recommendations?n=3&diversity=0.3&category=Comedy&filter=year%3E%3D1990'
r GET '/v1/users/1/recommendations?diversity=3'
r POST /v1/recommendations -H "$J" -d '{"user_id":"1","n":3}'
r POST /v1/query -H "$J" -d '{"text":"a funny movie from the 90s","n":3}'
r POST /v1/query -H "$J" -d '{}'
r GET /v1/spaces
r POST /v1/events -H "$J" -d '[{"user_id":"oau","item_id":"oa1","type":"click"}]'
r POST /v1/events -H "$J" -d '[{"user_id":"oau","item_id":"nope-item","type":"click"}]'
r GET '/v1/popular?n=3'; r GET '/v1/trending?n=3'; r GET /v1/admin/models
r POST /v1/admin/train; r POST '/v1/admin/train?force=maybe'
r DELETE /v1/items/oa2; r DELETE /v1/users/oau; r DELETE /v1/items/nope
echo "--- Prism flagged (requests the document refuses, answers it does not allow):"
grep -E "✖|Violation|warning" "$dir/prism.log" | sed 's/^.*\[HTTP SERVER\] //' || echo "nothing"
