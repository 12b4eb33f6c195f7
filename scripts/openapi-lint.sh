#!/usr/bin/env bash
# Lint the OpenAPI document with Redocly CLI (pinned). Starts no server: a Go test writes the
# document GET /openapi.json serves to a file, then the linter reads it. Needs Node.js (npx)
# and the npm registry, or the package in npx's cache. Exits non-zero on any lint error.
set -euo pipefail
cd "$(dirname "$0")/.."
REDOCLY=@redocly/cli@2.77.0
if ! command -v npx >/dev/null 2>&1; then
	echo "openapi-lint: npx (Node.js) is required to lint the OpenAPI document" >&2
	exit 1
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go test -count=1 -run '^TestOpenAPI_Write$' ./server/ -args -openapi.out="$dir/openapi.json" >/dev/null
test -s "$dir/openapi.json"
npx --yes "$REDOCLY" lint --format=stylish "$dir/openapi.json"
