#!/usr/bin/env bash
# Scaled-down end to end at size: recd generate (the ml20m preset scaled to EVENTS, 1M by
# default) -> recd import -> recd train -> recd serve -> one recommendation, failing on any
# step. It prints one table: each step's wall time, the import rate, the peak RSS of import
# and train (from /usr/bin/time -v when it is installed), the time serve takes to answer
# /readyz (a restart over that data dir) and its RSS after the request. CI runs it with the
# default size (about a minute on two cores); a larger EVENTS measures (docs/scale.md).
#
#   scripts/scale-smoke.sh                     EVENTS=5000000 SEED=1 KEEP=1 scripts/scale-smoke.sh
#
# Environment: EVENTS (default 1000000), SEED (1), PRESET (ml20m), KEEP=1 keeps the work
# directory (printed), PORT (default: a free one).
set -euo pipefail
cd "$(dirname "$0")/.."

events=${EVENTS:-1000000}
seed=${SEED:-1}
preset=${PRESET:-ml20m}
work=$(mktemp -d -t recd-scale.XXXXXX)
server_pid=""
cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [[ ${KEEP:-0} == 1 ]]; then echo "scale-smoke: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

go build -o "$work/recd" ./cmd/recd
recd=$work/recd
timed() { # timed NAME CMD...: runs CMD, records its wall seconds and (with GNU time) peak RSS
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	if [[ -x /usr/bin/time ]]; then
		/usr/bin/time -f "%M" -o "$work/$name.rss" "$@" >"$work/$name.out" 2>"$work/$name.log" ||
			{ echo "scale-smoke: $name failed:" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
	else
		"$@" >"$work/$name.out" 2>"$work/$name.log" ||
			{ echo "scale-smoke: $name failed:" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
		echo NA >"$work/$name.rss"
	fi
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 )) >"$work/$name.ms"
}
mb() { local k; k=$(tail -n1 "$work/$1.rss"); [[ $k == NA ]] && echo NA || echo $(( k / 1024 )); }

timed generate "$recd" generate --preset "$preset" --events "$events" --seed "$seed" --out "$work/gen" --no-progress
timed import "$recd" import --data-dir "$work/data" --no-progress --log-level warn "$work/gen"
grep -q "imported .* $events events (0 lines rejected)" "$work/import.out" ||
	{ echo "scale-smoke: import did not store every event: $(cat "$work/import.out")" >&2; exit 1; }
timed train "$recd" train --data-dir "$work/data" --no-progress --log-level warn

port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
base=http://127.0.0.1:$port
t0=$(date +%s%N)
RECD_AUTH_ENABLED=false RECD_TRAIN_INTERVAL=0s "$recd" serve --data-dir "$work/data" --addr "127.0.0.1:$port" \
	--log-level warn >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
until curl -sf "$base/readyz" >/dev/null 2>&1; do
	kill -0 "$server_pid" 2>/dev/null || { echo "scale-smoke: serve exited:" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
	if (( $(date +%s%N) - t0 > 300000000000 )); then echo "scale-smoke: serve not ready after 300 s" >&2; exit 1; fi
	sleep 0.2
done
ready=$(( ($(date +%s%N) - t0) / 1000000 ))
curl -sf "$base/v1/users/u1/recommendations?n=10" >"$work/recs.json"
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$work/recs.json")
[[ $n == 10 ]] || { echo "scale-smoke: 10 recommendations wanted, got $n: $(cat "$work/recs.json")" >&2; exit 1; }
rss=$(( $(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status") / 1024 ))

rate=$(( events * 1000 / $(cat "$work/import.ms") ))
secs() { printf '%d.%d' $(( $1 / 1000 )) $(( $1 % 1000 / 100 )); }
printf '\nscale-smoke: preset %s, %s events, seed %s, %s cores, load average %s\n' "$preset" "$events" "$seed" \
	"$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| step | wall s | peak RSS MB | note |\n|---|---|---|---|\n'
printf '| generate | %s | %s | %s |\n' "$(secs "$(cat "$work/generate.ms")")" "$(mb generate)" "$(cat "$work/generate.out")"
printf '| import | %s | %s | %s events/s |\n' "$(secs "$(cat "$work/import.ms")")" "$(mb import)" "$rate"
printf '| train (every default model) | %s | %s | |\n' "$(secs "$(cat "$work/train.ms")")" "$(mb train)"
printf '| serve: start to ready | %s | %s (RSS after one request) | 10 recommendations for u1 |\n' "$(secs "$ready")" "$rss"
