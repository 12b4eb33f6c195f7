#!/usr/bin/env bash
# Installs Redis from Debian's packages if it is missing, starts a server listening on loopback
# only (no persistence: the tests' data is throwaway), and prints the line to evaluate:
#
#   eval "$(scripts/redis-test.sh)"   # sets RECD_TEST_REDIS_ADDR
#   go test ./redisstate/ ./service/
#
# Tests that kill and restart Redis start their own redis-server on a free port; this one is
# shared. Needs root for apt-get. Idempotent: a second run reuses the running server. Progress
# goes to stderr; only the export line goes to stdout.
set -euo pipefail

REDIS_PORT="${REDIS_PORT:-6390}"

log() { echo "redis-test: $*" >&2; }

if ! command -v redis-server >/dev/null 2>&1; then
	log "installing redis-server"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2; then
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
	fi
fi

if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
	dir="$(mktemp -d /tmp/recd-redis-test.XXXXXX)"
	log "starting redis-server on 127.0.0.1:$REDIS_PORT (dir $dir)"
	redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$dir" \
		--daemonize yes --logfile "$dir/redis.log" >&2
	for _ in $(seq 1 50); do
		redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null
fi

echo "export RECD_TEST_REDIS_ADDR='127.0.0.1:$REDIS_PORT'"
