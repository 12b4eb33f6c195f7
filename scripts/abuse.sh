#!/usr/bin/env bash
# Abuse test: builds recd and recd-load, imports and trains the bundled MovieLens data into a
# temporary data dir, starts `recd serve` with API keys on a loopback port, and runs normal
# traffic (recommendations and events, key "app") beside a hostile client holding a read key:
# slow bodies (a byte a second), lists far over the limits (20,000 filters, 2 M categories),
# the costliest request within the limits, and made-up 1 KB methods. An admin key polls
# GET /v1/admin/models once a second meanwhile. Two scenarios, each on a fresh server:
#
#   own-key     the attacker uses its own read key "web", from 127.0.0.1
#   shared-key  the attacker uses the normal traffic's key "app", from 127.0.0.2
#
# Each reports the normal traffic's errors and latency (recd-load), the attacker's answers,
# the admin probe's failures, and the server's own request-duration p99 by route, /metrics
# size and RSS (from /metrics).
#
#   scripts/abuse.sh [DURATION] [SCENARIOS]       e.g. scripts/abuse.sh 60s "own-key shared-key"
#
# Environment: RECS_PER_SEC (default 50), EVENTS_PER_SEC (10), SLOW slow-body connections
# (300), ATTACK_RPS hostile requests per second (20), PORT (default: a free one), OUT
# directory for the logs (default: a temp dir). Exit status: 0 when no normal or admin
# request failed, 1 otherwise, 2 on a setup error.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-60s}
scenarios=${2:-own-key shared-key}
recs=${RECS_PER_SEC:-50}
events=${EVENTS_PER_SEC:-10}
slow=${SLOW:-300}
attack_rps=${ATTACK_RPS:-20}
work=$(mktemp -d -t recd-abuse.XXXXXX)
out=${OUT:-$work}
mkdir -p "$out"

server_pid=""
cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work/data" "$work/bin"
}
trap cleanup EXIT

echo "abuse: building into $work/bin"
go build -o "$work/bin/recd" ./cmd/recd
go build -o "$work/bin/recd-load" ./cmd/recd-load
echo "abuse: importing and training the bundled MovieLens data"
"$work/bin/recd" import movielens --data-dir "$work/data" --no-progress examples/ml-latest-small >"$out/import.log" 2>&1
"$work/bin/recd" train --data-dir "$work/data" >"$out/train.log" 2>&1

hash() { printf '%s' "$1" | "$work/bin/recd" hash-key; }
app_key=abuse-app-key web_key=abuse-web-key ops_key=abuse-ops-key
keys="app:write:$(hash $app_key),web:read:$(hash $web_key),ops:admin:$(hash $ops_key)"

port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
base=http://127.0.0.1:$port

start_server() {
	RECD_AUTH_KEYS=$keys "$work/bin/recd" serve --addr "127.0.0.1:$port" --data-dir "$work/data" \
		>"$out/serve-$1.out" 2>"$out/serve-$1.log" &
	server_pid=$!
	for _ in $(seq 1 300); do
		if curl -sf "$base/readyz" >/dev/null 2>&1; then return 0; fi
		if ! kill -0 "$server_pid" 2>/dev/null; then echo "abuse: recd exited; see $out/serve-$1.log" >&2; exit 2; fi
		sleep 1
	done
	echo "abuse: recd not ready after 300 s" >&2
	exit 2
}

stop_server() {
	kill -TERM "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
}

# admin_probe polls GET /v1/admin/models every second until the file $1 exists, and prints
# "ok failed".
admin_probe() {
	local ok=0 failed=0 code
	while [[ ! -e $1 ]]; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $ops_key" "$base/v1/admin/models" || true)
		if [[ $code == 200 ]]; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
		sleep 1
	done
	echo "$ok $failed"
}

status=0
for sc in $scenarios; do
	case $sc in
	own-key) attack_key=$web_key from=127.0.0.1 ;;
	shared-key) attack_key=$app_key from=127.0.0.2 ;;
	*) echo "abuse: unknown scenario $sc (own-key, shared-key)" >&2; exit 2 ;;
	esac
	echo
	echo "=== $sc: attacker key ${attack_key%-key} from $from, $slow slow bodies, $attack_rps hostile req/s, for $duration"
	start_server "$sc"
	stop_file=$out/stop-$sc
	rm -f "$stop_file"
	admin_probe "$stop_file" >"$out/admin-$sc.txt" &
	probe_pid=$!
	set +e
	"$work/bin/recd-load" --target "$base" --key "$app_key" --rps-recs "$recs" --rps-events "$events" \
		--duration "$duration" --attack-slow "$slow" --attack-rps "$attack_rps" --attack-key "$attack_key" \
		--attack-from "$from" | tee "$out/load-$sc.txt"
	set -e
	touch "$stop_file"
	wait "$probe_pid" || true
	read -r admin_ok admin_failed <"$out/admin-$sc.txt"
	echo "admin probe: $admin_ok ok, $admin_failed failed"
	stop_server
	if [[ ${admin_failed:-1} -gt 0 ]] || ! grep -q '^errors: 0$' "$out/load-$sc.txt"; then
		status=1
	fi
done
echo
echo "abuse: logs in $out"
exit $status
