#!/usr/bin/env bash
# Soak test: builds recd and recd-load, starts `recd demo` on a loopback port with a
# temporary data dir, runs recd-load at a fixed rate for a fixed time, samples the server's
# RSS (/proc/<pid>/status VmRSS) and goroutine count (/metrics go_goroutines) into a CSV,
# and reports whether memory stayed flat after warm-up and no goroutines leaked.
#
#   scripts/soak.sh [RECS_PER_SEC] [DURATION]        e.g. scripts/soak.sh 1000 10m
#
# Environment: EVENTS_PER_SEC (default RECS_PER_SEC/4), QUERY_PER_SEC (default 0),
# INTERVAL sampling period in seconds (default 10), WARMUP seconds excluded from the RSS
# check (default 60, at most a third of the run), RSS_TOLERANCE percent (default 10),
# GOROUTINE_SLACK goroutines allowed above the pre-load count once idle again (default 5),
# PORT (default: a free one), OUT directory for soak.csv and load.json (default: a temp dir).
# Exit status: 0 when both checks pass, 1 when one fails, 2 on a setup error.
set -euo pipefail
cd "$(dirname "$0")/.."

rate=${1:-1000}
duration=${2:-10m}
events=${EVENTS_PER_SEC:-$(( ${rate%.*} / 4 ))}
query=${QUERY_PER_SEC:-0}
interval=${INTERVAL:-10}
warmup=${WARMUP:-60}
tolerance=${RSS_TOLERANCE:-10}
slack=${GOROUTINE_SLACK:-5}
work=$(mktemp -d -t recd-soak.XXXXXX)
out=${OUT:-$work}
mkdir -p "$out"
csv=$out/soak.csv

secs() { # go duration (90s, 10m, 1h) to seconds
	local d=$1
	case $d in
	*h) echo $(( ${d%h} * 3600 )) ;; *m) echo $(( ${d%m} * 60 )) ;; *s) echo "${d%s}" ;; *) echo "$d" ;;
	esac
}
run_secs=$(secs "$duration")
if (( warmup > run_secs / 3 )); then warmup=$(( run_secs / 3 )); fi

server_pid=""
load_pid=""
cleanup() {
	[[ -n $load_pid ]] && kill "$load_pid" 2>/dev/null || true
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work/data" "$work/bin"
}
trap cleanup EXIT

echo "soak: building into $work/bin"
go build -o "$work/bin/recd" ./cmd/recd
go build -o "$work/bin/recd-load" ./cmd/recd-load

port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
base=http://127.0.0.1:$port
"$work/bin/recd" demo --addr "127.0.0.1:$port" --data-dir "$work/data" --no-progress --log-level warn \
	>"$out/demo.out" 2>"$out/demo.log" &
server_pid=$!
echo "soak: recd demo pid $server_pid on $base (log $out/demo.log)"
for _ in $(seq 1 600); do
	if curl -sf "$base/readyz" >/dev/null 2>&1; then break; fi
	if ! kill -0 "$server_pid" 2>/dev/null; then echo "soak: recd exited; see $out/demo.log" >&2; exit 2; fi
	sleep 1
done
curl -sf "$base/readyz" >/dev/null || { echo "soak: recd not ready after 600 s" >&2; exit 2; }

sample() { # prints elapsed_s,rss_kb,goroutines
	local rss gor
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo "")
	gor=$(curl -sf --max-time 5 "$base/metrics" | awk '/^go_goroutines / {print $2}' || echo "")
	echo "$(( $(date +%s) - t0 )),${rss:-NA},${gor:-NA}"
}
t0=$(date +%s)
echo "elapsed_s,rss_kb,goroutines,phase" >"$csv"
sleep 2
echo "$(sample),idle-before" >>"$csv"
pre_goroutines=$(tail -n1 "$csv" | cut -d, -f3)

echo "soak: $rate recs/s, $events events/s, $query query/s for $duration; sampling every $interval s into $csv"
"$work/bin/recd-load" --target "$base" --rps-recs "$rate" --rps-events "$events" --rps-query "$query" \
	--duration "$duration" --json >"$out/load.json" 2>"$out/load.log" &
load_pid=$!
while kill -0 "$load_pid" 2>/dev/null; do
	sleep "$interval"
	if kill -0 "$load_pid" 2>/dev/null; then echo "$(sample),load" >>"$csv"; fi
done
load_status=0
wait "$load_pid" || load_status=$?
load_pid=""
sleep 5 # let keep-alive connections and request goroutines wind down
echo "$(sample),idle-after" >>"$csv"
kill -0 "$server_pid" 2>/dev/null || { echo "soak: recd died during the run; see $out/demo.log" >&2; exit 1; }

echo
echo "soak: load report ($out/load.json)"
if [[ $load_status -ne 0 ]]; then echo "soak: recd-load exited $load_status: $(cat "$out/load.log")"; fi
python3 - "$out/load.json" <<'PY' || cat "$out/load.json"
import json, sys
r = json.load(open(sys.argv[1]))
for k in r["kinds"]:
    print(f'  {k["kind"]:16} {k["throughput"]:8.1f}/s ok={k["ok"]} failed={k["failed"]} missed={k["missed"]} '
          f'p50={k["p50_ms"]:.2f} p95={k["p95_ms"]:.2f} p99={k["p99_ms"]:.2f} max={k["max_ms"]:.2f} ms')
print(f'  errors: {r["errors"]}')
PY

echo
awk -F, -v warm="$warmup" -v tol="$tolerance" -v slack="$slack" -v pre="$pre_goroutines" '
NR == 1 { next }
$4 == "load" && $2 != "NA" && $1 >= warm {
	if (base == "") base = $2
	if ($2 > max) max = $2
	if (min == "" || $2 < min) min = $2
	last = $2; n++
}
$4 == "load" && $3 != "NA" { if ($3 > gmax) gmax = $3 }
$4 == "idle-after" { post = $3 }
END {
	ok = 1
	if (n < 2) {
		printf "RSS: only %d samples after the %d s warm-up: run longer\n", n, warm; ok = 0
	} else {
		growth = (max - base) * 100 / base
		flat = growth <= tol
		printf "RSS after warm-up: first %.1f MiB, min %.1f, max %.1f, last %.1f MiB (%d samples): growth %.1f%% %s %d%% -> %s\n",
			base/1024, min/1024, max/1024, last/1024, n, growth, flat ? "<=" : ">", tol, flat ? "FLAT" : "GROWING"
		if (!flat) ok = 0
	}
	leak = post - pre
	gflat = (pre != "NA" && post != "NA" && leak <= slack)
	printf "goroutines: %s idle before, max %d under load, %s idle after (+%d, slack %d) -> %s\n",
		pre, gmax, post, leak, slack, gflat ? "FLAT" : "LEAK?"
	if (!gflat) ok = 0
	print (ok ? "soak: PASS" : "soak: FAIL")
	exit ok ? 0 : 1
}' "$csv"
