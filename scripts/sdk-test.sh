#!/usr/bin/env bash
# Tests both API clients against a real recd demo: builds recd once, then runs the TypeScript
# client's `npm ci && npm test` and the Python client's unittest suite. Fails if either fails.
# Needs Go, Node 18+ with npm, and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/recd" ./cmd/recd
export RECD_BIN="$tmp/recd"

status=0
echo "== sdk/typescript"
(cd "$root/sdk/typescript" && npm ci --no-audit --no-fund && npm test) || status=1
echo "== sdk/python"
(cd "$root/sdk/python" && python3 -m unittest discover -s tests) || status=1
exit "$status"
