#!/usr/bin/env bash
# bench-als.sh GEN_DIR [RUNS]: recd's ALS against the `implicit` library on the same matrix,
# the same factors, iterations, regularization, confidence slope and conjugate-gradient
# solver (recd's defaults: 64, 15, 20, 2, 3 CG steps, which is implicit's fixed count), both
# on THREADS (2) threads (GOMAXPROCS for recd; num_threads for implicit, with its BLAS on one
# thread as implicit asks), back to back; prints one table with the
# ratio. GEN_DIR is a `recd generate` output (its events.jsonl). implicit (CPU build) is
# installed with numpy and scipy into a virtualenv outside the module
# (${RECD_BENCH_VENV:-~/.cache/recd-bench/venv}); the matrix is written to a temporary
# directory and removed at exit. The machine's load average is printed with the figures.
set -euo pipefail
gen=${1:?usage: bench-als.sh GEN_DIR [RUNS]}
runs=${2:-3}
threads=${THREADS:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${RECD_BENCH_VENV:-$HOME/.cache/recd-bench/venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet implicit numpy scipy
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/alsbench" ./scripts/alsbench)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
GOMAXPROCS=$threads "$tmp/alsbench" -events "$gen/events.jsonl" -out "$tmp/m" -runs "$runs" | tee "$tmp/recd.txt"
OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_NUM_THREADS=$threads \
  "$venv/bin/python" - "$tmp/m" "$runs" "$threads" <<'PY' | tee "$tmp/implicit.txt"
import sys, time
import numpy as np, scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
d, runs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
users, items, nnz = map(int, open(d + "/shape.txt").read().split())
m = sp.csr_matrix((np.fromfile(d + "/data.f32", dtype="<f4"), np.fromfile(d + "/indices.i32", dtype="<i4"),
                   np.fromfile(d + "/indptr.i32", dtype="<i4")), shape=(users, items))
secs = []
for r in range(runs):
    als = AlternatingLeastSquares(factors=64, regularization=20.0, alpha=2.0, iterations=15, use_cg=True,
                                  calculate_training_loss=False, num_threads=threads, random_state=1,
                                  dtype=np.float32)
    t = time.perf_counter()
    als.fit(m, show_progress=False)
    secs.append(time.perf_counter() - t)
secs.sort()
print("implicit_fit_seconds", [round(s, 3) for s in secs], "median %.3f" % secs[len(secs) // 2])
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
r=$(awk '/^recd_fit_seconds/ {print $NF}' "$tmp/recd.txt")
i=$(awk '/^implicit_fit_seconds/ {print $NF}' "$tmp/implicit.txt")
shape=$(awk '/^matrix/ {print $2, $3, $4}' "$tmp/recd.txt")
echo
echo "| matrix | recd ALS fit s (median of $runs) | implicit fit s (median of $runs) | recd / implicit |"
echo "|---|---|---|---|"
echo "| $shape | $r | $i | $(awk -v r="$r" -v i="$i" 'BEGIN { printf "%.2fx", r / i }') |"
