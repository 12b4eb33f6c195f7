#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages if it is missing, starts a cluster listening on
# loopback only, creates the role and database the store/postgres tests use, and prints the
# line to evaluate:
#
#   eval "$(scripts/postgres-test.sh)"   # sets RECD_TEST_POSTGRES_DSN
#   go test ./store/postgres/
#
# Needs root (apt-get, pg_ctlcluster). Idempotent: a second run reuses the running cluster.
# Progress goes to stderr; only the export line goes to stdout.
set -euo pipefail

PGPORT="${PGPORT:-5432}"
PGROLE="${PGROLE:-recd}"
PGPASS="${PGPASS:-recd}"
PGDB="${PGDB:-recd_test}"

log() { echo "postgres-test: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
	log "installing postgresql"
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

PGVER="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk -v v="$PGVER" '$1 == v && $2 == "main"' | grep -q .; then
	log "creating cluster $PGVER/main"
	pg_createcluster "$PGVER" main --port "$PGPORT" >&2
fi
# Loopback only, whatever the cluster's main configuration says (conf.d is read last).
confd="/etc/postgresql/$PGVER/main/conf.d"
mkdir -p "$confd"
printf "listen_addresses = '127.0.0.1'\nport = %s\n" "$PGPORT" >"$confd/recd-test.conf"
if pg_lsclusters -h | awk -v v="$PGVER" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
	pg_ctlcluster "$PGVER" main reload >&2 || true
else
	log "starting cluster $PGVER/main on 127.0.0.1:$PGPORT"
	pg_ctlcluster "$PGVER" main start >&2
fi

psql_admin() { runuser -u postgres -- psql -p "$PGPORT" -v ON_ERROR_STOP=1 -qtA "$@"; }
for _ in $(seq 1 30); do
	psql_admin -c 'SELECT 1' >/dev/null 2>&1 && break
	sleep 1
done
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PGROLE'")" != 1 ]; then
	log "creating role $PGROLE"
	psql_admin -c "CREATE ROLE \"$PGROLE\" LOGIN PASSWORD '$PGPASS'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PGDB'")" != 1 ]; then
	log "creating database $PGDB"
	psql_admin -c "CREATE DATABASE \"$PGDB\" OWNER \"$PGROLE\""
fi

echo "export RECD_TEST_POSTGRES_DSN='postgres://$PGROLE:$PGPASS@127.0.0.1:$PGPORT/$PGDB?sslmode=disable'"
