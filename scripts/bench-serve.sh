#!/usr/bin/env bash
# Tail latency on two cores, measured the same way every time. recd serve runs pinned to two
# cores (GOMAXPROCS=2 taskset -c 0,1); recd-load (open loop: requests leave at the fixed rate
# whether or not earlier ones answered) runs on the other cores when the machine has more
# than two, else unpinned beside the server (then the client-side figures include the load
# generator's own scheduling and the server-side ones are the figures to report). For each
# rate pair: a warm-up run, then the measured run. The table gives, for the recommendation
# route, the client-side p50/p99 (recd-load) and the server-side p50/p99 (from recd's own
# recd_http_request_duration_seconds histogram, the difference of two /metrics scrapes,
# interpolated within buckets as Prometheus' histogram_quantile does), the server's CPU
# time per request (utime+stime of /proc/PID/stat over the run) and the load average. The
# server runs with GODEBUG=gctrace=1, and recd-load lists the requests of SLOW_OVER (50ms)
# or more: the table gives each run's collector cycles (their mean concurrent mark phase,
# wall ms) and how many of the slow recommendations overlapped a mark phase, which is where
# the 20M-event tail was found.
#
#   scripts/bench-serve.sh [DATA_DIR]     RATES="2000:500 5000:500" DURATION=30s scripts/bench-serve.sh
#
# DATA_DIR: a trained data dir to serve (for generated data add USER_PREFIX=u USERS=1..N);
# without one the bundled MovieLens data is imported and trained into a temporary dir.
# Environment: RATES (recs/s:events/s pairs, default "2000:500 5000:500"), DURATION of each
# measured run (30s), WARMUP run (10s), USERS (1..610), USER_PREFIX (""), SERVER_CPUS (0,1),
# SLOW_OVER (50ms), LOAD_NICE (recd-load's niceness; unset: the server's), PORT (a free one), OUT (a directory that keeps the raw reports; default: a temp dir),
# RECD_BIN (a recd binary to serve instead of one built from this tree: old against new),
# COPY_DATA (1: serve a scratch copy of DATA_DIR, so runs never feed each other; 0: serve it).
set -euo pipefail
cd "$(dirname "$0")/.."

rates=${RATES:-"2000:500 5000:500"}
duration=${DURATION:-30s}
warmup=${WARMUP:-10s}
users=${USERS:-1..610}
prefix=${USER_PREFIX:-}
server_cpus=${SERVER_CPUS:-0,1}
work=$(mktemp -d -t recd-bench.XXXXXX)
out=${OUT:-$work}
mkdir -p "$out"
server_pid=""
cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work/data" "$work/bin"
	if [[ $out != "$work" ]]; then rm -rf "$work"; fi # the reports went to OUT: nothing left to keep
}
trap cleanup EXIT

mkdir -p "$work/bin"
if [[ -n ${RECD_BIN:-} ]]; then cp "$RECD_BIN" "$work/bin/recd"; else go build -o "$work/bin/recd" ./cmd/recd; fi
go build -o "$work/bin/recd-load" ./cmd/recd-load
data=${1:-}
if [[ -n $data && ${COPY_DATA:-1} != 0 ]]; then
	# Serve a scratch copy: the events and impressions one run writes (5,000 lists a second
	# are recorded) would make the next run's attribution reads slower, and an old binary
	# measured against a new one would not start from the same data.
	cp -r "$data" "$work/data"
	data=$work/data
elif [[ -z $data ]]; then
	data=$work/data
	"$work/bin/recd" import movielens --data-dir "$data" --no-progress --log-level warn examples/ml-latest-small >/dev/null
	"$work/bin/recd" train --data-dir "$data" --no-progress --log-level warn >/dev/null
fi

cores=$(nproc)
load_pin=()
if (( cores > 2 )); then load_pin=(taskset -c "2-$(( cores - 1 ))"); fi
# LOAD_NICE=19 runs recd-load at that niceness: beside the server on a two-core machine, the
# kernel then lets the server's threads preempt it, the nearest this machine comes to the
# load generator on cores of its own (it still takes what the server leaves).
if [[ -n ${LOAD_NICE:-} ]]; then load_pin=(nice -n "$LOAD_NICE" "${load_pin[@]}"); fi
port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
base=http://127.0.0.1:$port
# recd-load is one client standing in for many: the per-key and per-address shares of
# requests in flight (http.max_in_flight_per_*, 429 above) would measure that fairness rule,
# not serving, so they are off; the route classes' slots (503 when taken) still apply.
start_ms=$(date +%s%3N) # gctrace's times count from the process start
GODEBUG="${GODEBUG:+$GODEBUG,}gctrace=1" \
	RECD_AUTH_ENABLED=false RECD_TRAIN_INTERVAL=0s RECD_HTTP_MAX_IN_FLIGHT_PER_KEY=0 RECD_HTTP_MAX_IN_FLIGHT_PER_ADDRESS=0 \
	GOMAXPROCS=2 taskset -c "$server_cpus" \
	"$work/bin/recd" serve --data-dir "$data" --addr "127.0.0.1:$port" --log-level warn >"$out/serve.out" 2>"$out/serve.log" &
server_pid=$!
for _ in $(seq 1 600); do
	curl -sf "$base/readyz" >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || { echo "bench-serve: recd exited; see $out/serve.log" >&2; exit 2; }
	sleep 0.5
done
curl -sf "$base/readyz" >/dev/null || { echo "bench-serve: recd not ready after 300 s" >&2; exit 2; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
load() { # load RECS EVENTS DURATION REPORT SEED
	"${load_pin[@]}" "$work/bin/recd-load" --target "$base" --rps-recs "$1" --rps-events "$2" --duration "$3" \
		--users "$users" --user-prefix "$prefix" --concurrency 512 --seed "$5" --slow-over "${SLOW_OVER:-50ms}" \
		--json >"$4" 2>>"$out/load.log"
}

echo "bench-serve: server on CPUs $server_cpus (GOMAXPROCS=2) of $cores; recd-load $( (( cores > 2 )) && echo "on CPUs 2-$(( cores - 1 ))" || echo "unpinned, beside the server (report the server-side p99)")${LOAD_NICE:+, at niceness $LOAD_NICE}; $duration per run after a $warmup warm-up; data $data"
rows=()
seed=0
for pair in $rates; do
	recs=${pair%%:*} events=${pair##*:}
	# Every run draws its users with a seed of its own: with one seed for all, a run would ask
	# for the users of the runs before it in the same order, and the response cache would
	# answer them (on a large user base they are meant to be cold).
	seed=$(( seed + 1 ))
	load "$recs" "$events" "$warmup" "$out/warmup-$pair.json" "$seed"
	curl -sf "$base/metrics" >"$out/before-$pair.prom"
	c0=$(cpu_ticks)
	t0=$(date +%s%3N)
	seed=$(( seed + 1 ))
	load "$recs" "$events" "$duration" "$out/run-$pair.json" "$seed"
	t1=$(date +%s%3N)
	c1=$(cpu_ticks)
	curl -sf "$base/metrics" >"$out/after-$pair.prom"
	rows+=("$pair $(( c1 - c0 )) $(cut -d' ' -f1 /proc/loadavg) $t0 $t1")
done
rss=$(( $(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status") / 1024 ))

python3 - "$out" "$(getconf CLK_TCK)" "$rss" "$start_ms" "${rows[@]}" <<'PY'
import json, os, re, sys
out, hz, rss, start_ms, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5:]
# The collector's cycles from gctrace: "gc N @S.SSSs P%: A+B+C ms clock, ...", A and C the
# stop-the-world phases, B the concurrent mark; as [start, end] Unix ms.
gcs = []
for line in open(f'{out}/serve.log', errors='replace'):
    m = re.match(r'gc \d+ @([\d.]+)s \d+%: ([\d.]+)\+([\d.]+)\+([\d.]+) ms clock', line)
    if m:
        s = start_ms + float(m.group(1)) * 1000
        gcs.append((s, s + float(m.group(2)) + float(m.group(3)) + float(m.group(4)), float(m.group(3))))
route = '/v1/users/:id/recommendations'
pat = re.compile(r'^recd_http_request_duration_seconds_bucket\{(.*)\} (\S+)$')
def buckets(path):
    b = {}
    for line in open(path):
        m = pat.match(line.strip())
        if not m:
            continue
        labels = dict(kv.split('=', 1) for kv in re.findall(r'\w+="[^"]*"', m.group(1)))
        labels = {k: v.strip('"') for k, v in labels.items()}
        if labels.get('route') == route and labels.get('method') == 'GET' and labels.get('status') == '2xx':
            le = float('inf') if labels['le'] == '+Inf' else float(labels['le'])
            b[le] = b.get(le, 0) + float(m.group(2))
    return b
def quantile(q, b):
    les = sorted(b)
    total = b[les[-1]] if les else 0
    if total == 0:
        return float('nan')
    rank, prev_le, prev_c = q * total, 0.0, 0.0
    for le in les:
        if b[le] >= rank:
            if le == float('inf'):
                return prev_le * 1000
            return (prev_le + (le - prev_le) * (rank - prev_c) / max(b[le] - prev_c, 1e-12)) * 1000
        prev_le, prev_c = le, b[le]
    return float('nan')
slow_over = os.environ.get('SLOW_OVER') or '50ms'
print(f'| recs/s : events/s | recs/s served | client p50 / p99 ms | server p50 / p99 ms | CPU ms per request | errors | load avg | GC cycles (mean mark ms) | recs over {slow_over} (in a GC mark) |')
print('|---|---|---|---|---|---|---|---|---|')
for row in rows:
    pair, ticks, la, t0, t1 = row.split()
    t0, t1 = int(t0), int(t1)
    rep = json.load(open(f'{out}/run-{pair}.json'))
    before, after = buckets(f'{out}/before-{pair}.prom'), buckets(f'{out}/after-{pair}.prom')
    delta = {le: after.get(le, 0) - before.get(le, 0) for le in after}
    recs = next(k for k in rep['kinds'] if k['kind'].startswith('rec'))
    ok = sum(k['ok'] for k in rep['kinds'])
    cpu = int(ticks) * 1000 / hz / max(ok, 1)
    cycles = [g for g in gcs if t0 <= g[0] <= t1]
    mark = sum(g[2] for g in cycles) / max(len(cycles), 1)
    slow = [s for s in rep.get('slow', []) if s['kind'] == recs['kind']]
    in_gc = sum(any(a <= s['due_unix_ms'] + s['ms'] and s['due_unix_ms'] <= b for a, b, _ in gcs) for s in slow)
    print(f"| {pair.replace(':', ' : ')} | {recs['throughput']:.0f} | {recs['p50_ms']:.2f} / {recs['p99_ms']:.2f} | "
          f"{quantile(0.5, delta):.2f} / {quantile(0.99, delta):.2f} | {cpu:.3f} | {rep['errors']} | {la} | "
          f"{len(cycles)} ({mark:.0f}) | {len(slow)} ({in_gc}) |")
print(f'serving RSS after the runs: {rss} MB')
PY
