#!/usr/bin/env bash
# Cold request latency by the user's history length, with no load beside it: at 20M events
# the users with 2,000 events or more are about one request in fifty-five of a uniform draw, and
# what each of them costs alone sets the p99 before any queueing does. recd serve runs pinned
# to two cores (GOMAXPROCS=2 taskset -c 0,1) over a scratch copy of DATA_DIR; one client asks
# for N users' lists one request at a time, each user once (so nothing comes from a cache),
# after a warm-up of 300 other users, and prints the quantiles of all requests and, by the
# users' event counts (read from the data dir's SQLite store), the median and the largest.
#
#   scripts/latency-by-history.sh DATA_DIR        N=3000 SEED=7 scripts/latency-by-history.sh d20m
#
# Environment: N (3000), SEED (7), SERVER_CPUS (0,1), PORT (a free one), RECD_BIN (a recd
# binary to serve instead of one built from this tree), OUT (a file that keeps "user events ms"
# lines). Needs python3 and a data dir on the SQLite store.
set -euo pipefail
cd "$(dirname "$0")/.."

data=${1:?usage: scripts/latency-by-history.sh DATA_DIR}
[[ -f $data/recd.db ]] || { echo "latency-by-history: $data/recd.db not found (a SQLite data dir is needed)" >&2; exit 2; }
work=$(mktemp -d -t recd-lat.XXXXXX)
server_pid=""
cleanup() {
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

if [[ -n ${RECD_BIN:-} ]]; then cp "$RECD_BIN" "$work/recd"; else go build -o "$work/recd" ./cmd/recd; fi
cp -r "$data" "$work/data"
port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
RECD_AUTH_ENABLED=false RECD_TRAIN_INTERVAL=0s GOMAXPROCS=2 taskset -c "${SERVER_CPUS:-0,1}" \
	"$work/recd" serve --data-dir "$work/data" --addr "127.0.0.1:$port" --log-level warn >/dev/null 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 600); do
	curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || { echo "latency-by-history: recd exited:" >&2; cat "$work/serve.log" >&2; exit 2; }
	sleep 0.5
done

python3 - "$port" "$work/data/recd.db" "${N:-3000}" "${SEED:-7}" "${OUT:-}" <<'PY'
import http.client, random, sqlite3, statistics, sys, time, urllib.parse
port, db, n, seed, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
counts = dict(con.execute("select user_id, count(*) from events group by user_id"))
users = sorted(counts)
rng = random.Random(seed)
picked = rng.sample(users, min(n, len(users)))
rest = list(set(users) - set(picked))
rest.sort()
warm = rng.sample(rest, min(300, len(rest)))
c = http.client.HTTPConnection("127.0.0.1", port)
def ask(u):
    t = time.perf_counter()
    c.request("GET", f"/v1/users/{urllib.parse.quote(u, safe='')}/recommendations?n=10")
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"latency-by-history: {u}: HTTP {r.status}")
    return (time.perf_counter() - t) * 1000
for u in warm:
    ask(u)
rows = [(counts[u], ask(u), u) for u in picked]
if out:
    with open(out, "w") as f:
        for ev, ms, u in rows:
            print(u, ev, f"{ms:.3f}", file=f)
ms = sorted(r[1] for r in rows)
q = lambda p: ms[min(len(ms) - 1, int(p * len(ms)))]
print(f"{len(ms)} users, one request at a time: p50 {q(.5):.2f} ms, p90 {q(.9):.2f}, p99 {q(.99):.2f}, max {ms[-1]:.2f}")
print("| events | users | median ms | max ms |")
print("|---|---|---|---|")
for lo, hi in [(0, 100), (100, 500), (500, 1000), (1000, 2000), (2000, 4000), (4000, 1 << 62)]:
    xs = [r[1] for r in rows if lo <= r[0] < hi]
    if xs:
        label = f"{lo}-{hi - 1}" if hi < 1 << 62 else f"{lo}+"
        print(f"| {label} | {len(xs)} | {statistics.median(xs):.2f} | {max(xs):.2f} |")
PY
