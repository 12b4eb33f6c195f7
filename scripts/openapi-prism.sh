#!/usr/bin/env bash
# The clients' traffic, validated against the OpenAPI document: one `recd serve` with auth on
# (the bundled MovieLens data, imported and trained as `recd demo` does, plus API keys) behind
# two pinned Prism validating proxies:
#   - strict (--errors), which answers any request or response that violates the document with
#     an error status: the curl requests a client may send, over every route, each checked for
#     the status it must answer;
#   - lenient (no --errors), which forwards and logs what violates the document: the curl
#     requests the document itself refuses (a bad parameter, a wrong content type, a body over
#     the limit), so that recd's 400, 413 and 415 answers are validated too, then the TypeScript
#     and Python client suites (RECD_URL set to it, RECD_ADMIN_KEY), whose tests of a 400 send
#     such requests too; and a second lenient one in front of a second, empty `recd serve` for
#     the Go client's live suite (RECD_CLIENT_TEST_URL), which seeds its own catalog. There
#     every refused request is listed below and must be flagged, and nothing else may be.
# Fails on a wrong status, a failed suite, a status class the traffic never produced (2xx, 400,
# 401, 403, 404, 409, 413, 415, 422, 429), a documented operation no request reached, any
# violation or error in the strict log, and in the lenient one anything but the requests
# refused on purpose (each of which must be flagged). HEAD is sent to recd directly: Prism 5.14
# tries to parse a HEAD answer's (empty) JSON body and fails. Needs Go, Node 18+ with npm (npx)
# and python3; about 50 s once npm's cache holds Prism.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
PRISM=@stoplight/prism-cli@5.14.2
RECD_PORT=${RECD_PORT:-18181} PRISM_PORT=${PRISM_PORT:-4010} LENIENT_PORT=${LENIENT_PORT:-4011}
GO_RECD_PORT=${GO_RECD_PORT:-18182} GO_PRISM_PORT=${GO_PRISM_PORT:-4012}
command -v npx >/dev/null 2>&1 || { echo "openapi-prism: npx (Node.js) is required" >&2; exit 1; }
dir=$(mktemp -d)
pids=()
# Each server runs in its own process group (setsid), so npx's node child goes with it.
# PRISM_LOGS=DIR keeps the server's and both Prisms' logs there.
cleanup() {
	for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done # recd saves its index as it stops
	[ -z "${PRISM_LOGS:-}" ] || { mkdir -p "$PRISM_LOGS" && cp "$dir"/*.log "$PRISM_LOGS"/; }
	rm -rf "$dir"
}
trap cleanup EXIT
start=$SECONDS

# Keys: one per role, and a read key limited to 1 request per second (burst 1) for the 429.
ADMIN=prism-admin-key WRITER=prism-writer-key READER=prism-reader-key LIMITED=prism-limited-key
hash() { printf 'sha256:%s' "$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"; }
export RECD_AUTH_KEYS="admin:admin:$(hash $ADMIN),writer:write:$(hash $WRITER),reader:read:$(hash $READER),limited:read:$(hash $LIMITED):1:1"
export RECD_TRAIN_INTERVAL=0

go build -o "$dir/recd" ./cmd/recd
"$dir/recd" import movielens --data-dir "$dir/data" examples/ml-latest-small >"$dir/import.log" 2>&1 ||
	{ cat "$dir/import.log" >&2; exit 1; }
setsid "$dir/recd" serve --addr "127.0.0.1:$RECD_PORT" --data-dir "$dir/data" >"$dir/recd.log" 2>&1 &
pids+=($!)
wait_for() { for _ in $(seq 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; exit 1; }
wait_for "http://127.0.0.1:$RECD_PORT/readyz"
curl -sf "http://127.0.0.1:$RECD_PORT/openapi.json" >"$dir/openapi.json"
setsid npx --yes "$PRISM" proxy --errors -p "$PRISM_PORT" "$dir/openapi.json" "http://127.0.0.1:$RECD_PORT" >"$dir/prism.log" 2>&1 &
pids+=($!)
setsid npx --yes "$PRISM" proxy -p "$LENIENT_PORT" "$dir/openapi.json" "http://127.0.0.1:$RECD_PORT" >"$dir/lenient.log" 2>&1 &
pids+=($!)
# The Go client's live suite seeds its own small catalog into an empty server with its own
# keys (client/live_test.go), so it gets a second recd, behind a third, lenient Prism.
RECD_AUTH_KEYS="admin:admin:$(hash recd_test_admin_key),reader:read:$(hash recd_test_reader_key)" \
	RECD_TRAIN_ALS_FACTORS=8 RECD_TRAIN_ALS_ITERATIONS=3 RECD_TRAIN_CONTENT_DIMS=8 \
	setsid "$dir/recd" serve --addr "127.0.0.1:$GO_RECD_PORT" --data-dir "$dir/godata" >"$dir/gorecd.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$GO_RECD_PORT/healthz"
setsid npx --yes "$PRISM" proxy -p "$GO_PRISM_PORT" "$dir/openapi.json" "http://127.0.0.1:$GO_RECD_PORT" >"$dir/golenient.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$PRISM_PORT/healthz"
wait_for "http://127.0.0.1:$LENIENT_PORT/healthz"
wait_for "http://127.0.0.1:$GO_PRISM_PORT/healthz"
echo "== server and Prism ready after $((SECONDS - start)) s"

B="http://127.0.0.1:$PRISM_PORT" J='Content-Type: application/json'
STRICT=$B LENIENT="http://127.0.0.1:$LENIENT_PORT" DIRECT="http://127.0.0.1:$RECD_PORT"
failed=0
seen=" "
# r WANT KEY METHOD PATH [curl args...]: one request to $B (the strict Prism unless a caller
# sets it); KEY is A, W or R (the admin, writer or reader key), another key, or - for none.
r() {
	local want=$1 key=$2 m=$3 p=$4 got auth=()
	shift 4
	case $key in -) ;; A) auth=(-H "Authorization: Bearer $ADMIN") ;; W) auth=(-H "Authorization: Bearer $WRITER") ;;
	R) auth=(-H "Authorization: Bearer $READER") ;; *) auth=(-H "Authorization: Bearer $key") ;; esac
	local how=(-X "$m")
	[ "$m" = HEAD ] && how=(--head) # curl -X HEAD would wait for a body
	got=$(curl -s -o "$dir/body" -w '%{http_code}' "${how[@]}" "${auth[@]}" "$@" "$B$p")
	seen+="$got "
	if [ "$got" = "$want" ]; then
		printf 'ok   %-7s %-64s -> %s\n' "$m" "${B##*:}$p" "$got"
	else
		printf 'FAIL %-7s %-64s -> %s, want %s: %s\n' "$m" "${B##*:}$p" "$got" "$want" "$(head -c 300 "$dir/body")"
		failed=1
	fi
}
JS='{"title":"OpenAPI test","categories":["Comedy"],"attributes":{"year":1999}}'
echo "== curl traffic through Prism"
r 200 - GET /healthz; r 200 - GET /readyz; r 200 - GET /metrics; r 200 - GET /openapi.json
r 200 - GET /; r 200 - GET /admin; r 200 - GET /assets/app.js; r 404 - GET /assets/nope.js
r 200 W PUT /v1/items/oa1 -H "$J" -d "$JS"
r 422 W PUT /v1/items/oa5 -H "$J" -d '{"title":"bad vector","vectors":{"v":[]}}'
r 200 R GET /v1/items/oa1; r 404 R GET /v1/items/nope; r 200 R GET '/v1/items?limit=2'
r 200 W POST /v1/items -H "$J" -d '[{"id":"oa2","title":"two"}]'
r 200 W POST /v1/items -H 'Content-Type: application/x-ndjson' --data-binary $'{"id":"oa3"}\n{"id":"oa4"}\n'
r 422 W POST /v1/items -H 'Content-Type: application/x-ndjson' --data-binary $'nope\n'
r 200 R GET '/v1/items/1/similar?n=3'; r 404 R GET /v1/items/nope/similar
r 200 W PUT /v1/users/oau -H "$J" -d '{"attributes":{"a":1}}'
r 200 R GET /v1/users/oau; r 404 R GET /v1/users/nope; r 200 R GET '/v1/users/1/events?limit=2'
r 200 R GET '/v1/users/1/recommendations?n=3&diversity=0.3&rotation=0.5&category=Comedy&filter=year%3E%3D1990'
r 200 R POST /v1/recommendations -H "$J" -d '{"user_id":"1","n":3}'
rid=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["recommendation_id"])' "$dir/body")
r 200 R GET "/v1/recommendations/$rid/next?n=3"; r 404 R GET /v1/recommendations/01HZX3NDEKTSV4RRFFQ69G5FAV/next
r 200 R POST /v1/query -H "$J" -d '{"text":"a funny movie from the 90s","n":3}'
r 200 R GET /v1/spaces
r 200 W POST /v1/events -H "$J" -d '[{"user_id":"oau","item_id":"oa1","type":"click"}]'
r 422 W POST /v1/events -H "$J" -d '[{"user_id":"oau","item_id":"nope-item","type":"click"}]'
r 200 R GET '/v1/popular?n=3'; r 200 R GET '/v1/trending?n=3'
r 401 not-a-key GET '/v1/popular?n=3'
r 403 R PUT /v1/items/oa9 -H "$J" -d "$JS"; r 403 W POST /v1/admin/train
r 200 "$LIMITED" GET '/v1/popular?n=3'; r 429 "$LIMITED" GET '/v1/popular?n=3'
r 200 A GET /v1/admin/models
r 200 R GET '/v1/metrics/online?group_by=route&k=5'; r 400 R GET '/v1/metrics/online?group_by=colour'
r 200 W PUT /v1/items/oa1/generated_text -H "$J" -d '{"text":"OpenAPI test is a comedy from 1999, described by hand.","model":"by hand"}'
r 404 W PUT /v1/items/nope/generated_text -H "$J" -d '{"text":"Nothing to describe here, no item.","model":"by hand"}'
r 422 A POST '/v1/admin/describe?only_thin=true'; r 404 A GET /v1/admin/jobs/nope
# An experiment scheduled in the future, so it changes no list the rest of the traffic gets.
XS='{"variants":[{"name":"control","weight":1},{"name":"popular","weight":1,"overrides":{"sources":["popular"]}}],"start":"2030-01-01T00:00:00Z","end":"2030-02-01T00:00:00Z"}'
r 201 A PUT /v1/experiments/oa-exp -H "$J" -d "$XS"; r 200 A PUT /v1/experiments/oa-exp -H "$J" -d "$XS"
r 403 R PUT /v1/experiments/oa-exp2 -H "$J" -d "$XS"
r 200 R GET /v1/experiments; r 200 R GET /v1/experiments/oa-exp; r 404 R GET /v1/experiments/nope
r 200 R GET /v1/experiments/oa-exp/report; r 200 A GET '/v1/experiments/oa-exp/preview?user_id=1&n=3'
r 403 R GET '/v1/experiments/oa-exp/preview?user_id=1'; r 204 A DELETE /v1/experiments/oa-exp
# A forced run in the background holds training while the second one asks: 409.
curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" "$B/v1/admin/train?force=true" >"$dir/train1" &
train=$!
sleep 2 # a forced run on the bundled data trains for several seconds
r 409 A POST '/v1/admin/train?force=true'
wait "$train"
[ "$(cat "$dir/train1")" = 200 ] || { echo "FAIL: the background training answered $(cat "$dir/train1")"; failed=1; }
r 204 A DELETE /v1/items/oa2; r 204 A DELETE /v1/users/oau; r 404 A DELETE /v1/items/nope

echo "== requests the document refuses, through the lenient Prism"
B=$LENIENT
r 401 - GET '/v1/popular?n=3'
r 400 R GET '/v1/items?limit=0'; r 400 R GET '/v1/users/1/recommendations?diversity=3'
r 400 R POST /v1/query -H "$J" -d '{}'; r 400 A POST '/v1/admin/train?force=maybe'
r 400 W PUT /v1/items/oa1/generated_text -H "$J" -d '{"text":"","model":"m"}'; r 400 A POST '/v1/admin/describe?only_thin=maybe'
r 415 W PUT /v1/items/oa1 -H 'Content-Type: text/plain' -d 'x'
{ printf '{"user_id":"'; head -c 1100000 /dev/zero | tr '\0' a; printf '"}'; } >"$dir/big.json"
r 413 R POST /v1/recommendations -H "$J" --data-binary "@$dir/big.json"

echo "== HEAD, straight to recd"
B=$DIRECT
r 200 - HEAD /healthz; r 200 R HEAD /v1/items/oa1; r 404 R HEAD /v1/items/nope
B=$STRICT

echo "== the client suites through Prism"
export RECD_URL=$LENIENT RECD_ADMIN_KEY=$ADMIN
(cd "$root/sdk/typescript" && npm ci --no-audit --no-fund --silent && npm test) || { echo "FAIL: sdk/typescript"; failed=1; }
(cd "$root/sdk/python" && python3 -m unittest discover -s tests) || { echo "FAIL: sdk/python"; failed=1; }
RECD_CLIENT_TEST_URL="http://127.0.0.1:$GO_PRISM_PORT" go test -count=1 -run 'TestLive' ./client ||
	{ echo "FAIL: the Go client"; failed=1; }

for s in 2 400 401 403 404 409 413 415 422 429; do
	if [ "$s" = 2 ]; then grep -q ' 2[0-9][0-9] ' <<<"$seen" && continue; else grep -q " $s " <<<"$seen" && continue; fi
	echo "FAIL: the traffic produced no $s answer"
	failed=1
done
echo "--- documented operations no request reached (HEAD twins are sent to recd directly):"
python3 - "$dir/openapi.json" "$dir/prism.log" "$dir/lenient.log" "$dir/golenient.log" <<'EOF' || failed=1
import json, re, sys
doc = json.load(open(sys.argv[1]))
ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item if m in ("get", "put", "post", "delete")}
hit = set()
for log in sys.argv[2:]:
    for m in re.finditer(r"\[HTTP SERVER\] (\w+) (\S+) .*Request received", open(log).read()):
        hit.add((m.group(1).upper(), m.group(2)))
missed = sorted(f"{m} {p}" for m, p in ops
                if not any(hm == m and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", p), hp) for hm, hp in hit))
print("\n".join(missed) or "none")
sys.exit(1 if missed else 0)
EOF
echo "--- the strict Prism flagged (anything):"
if grep -E "✖|Violation" "$dir/prism.log" | sed 's/^.*\] //'; then failed=1; else echo "nothing"; fi
# The requests the traffic refuses on purpose, as Prism words their violation: the curl requests
# above, and the client suites' tests of a 400 (n out of range, an event's bad timestamp, a
# query text over its limit).
# Each must be flagged (the lenient Prism validates) and nothing else may be.
expected_requests=$(cat <<'EOF'
Violation: request Invalid security scheme used
Violation: request.query.limit Request query parameter limit must be >= 1
Violation: request.query.diversity Request query parameter diversity must be <= 1
Violation: request.body Request body must have required property 'text'
Violation: request.query.force Request query parameter force must be boolean
Violation: request Supported content types: application/json
Violation: request.body.user_id Request body property user_id must NOT have more than 256 characters
Violation: request.body.0.timestamp Request body property 0.timestamp must match format "date-time"
Violation: request.query.n Request query parameter n must be >= 1
Violation: request.query.n Request query parameter n must be <= 200
Violation: request.body.text Request body property text must NOT have more than 2000 characters
Violation: request.body.text Request body property text must NOT have fewer than 1 characters
Violation: request.query.only_thin Request query parameter only_thin must be boolean
EOF
)
echo "--- the lenient Prism flagged (beyond the requests refused on purpose):"
flagged=$(cat "$dir/lenient.log" "$dir/golenient.log" | grep -E "✖|Violation" | sed 's/^.*\] //; s/^.*error *//' | sort -u)
if grep -vxF "$expected_requests" <<<"$flagged"; then failed=1; else echo "nothing"; fi
while IFS= read -r want; do
	grep -qxF "$want" <<<"$flagged" || { echo "FAIL: the lenient Prism did not flag: $want"; failed=1; }
done <<<"$expected_requests"
echo "== $((SECONDS - start)) s"
exit "$failed"
