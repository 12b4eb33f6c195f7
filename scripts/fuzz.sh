#!/usr/bin/env bash
# Runs every Go fuzz target in the repository, one after the other, each for a set time.
#
#   scripts/fuzz.sh [TIME] [PATTERN]
#
# TIME is a go test -fuzztime value (default 60s; "1000x" means 1000 runs). PATTERN, if
# given, keeps only targets whose "package/FuzzName" matches it (grep -E), e.g.
# scripts/fuzz.sh 30s server/. FUZZ_PARALLEL sets -parallel (default: GOMAXPROCS).
# A crash is written to the package's testdata/fuzz/<Target>/ by go test: commit it with
# the fix so it becomes a regression seed. Exits non-zero if any target fails.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-60s}
pattern=${2:-.}
parallel=()
if [[ -n "${FUZZ_PARALLEL:-}" ]]; then parallel=(-parallel "$FUZZ_PARALLEL"); fi

mapfile -t targets < <(grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]+\(' . |
	sed -E 's#^\./(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+)\($#\1/\2#' | sort -u | grep -E -- "$pattern" || true)
if [[ ${#targets[@]} -eq 0 ]]; then
	echo "fuzz.sh: no fuzz target matches $pattern" >&2
	exit 1
fi
failed=()
for t in "${targets[@]}"; do
	pkg=${t%/*}
	name=${t##*/}
	echo "=== ./$pkg $name for $time"
	start=$(date +%s)
	if go test "./$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$time" "${parallel[@]}" 2>&1 | tail -n 3; then
		status=${PIPESTATUS[0]}
	else
		status=${PIPESTATUS[0]}
	fi
	if [[ $status -ne 0 ]]; then failed+=("$pkg/$name"); fi
	echo "--- ./$pkg $name: exit $status after $(( $(date +%s) - start )) s"
done
echo
if [[ ${#failed[@]} -gt 0 ]]; then
	printf 'FAILED: %s\n' "${failed[@]}"
	exit 1
fi
echo "all ${#targets[@]} fuzz targets passed ($time each)"
