#!/usr/bin/env bash
# Make sure the local PostgreSQL answers and the Kruispunt database exists (idempotent).
#
#   bash deploy/postgres.sh
#
# Env: KRUISPUNT_DB (default kruispunt), PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres).
# Migrations are not run here: the CLI runs them (node-pg-migrate).
set -euo pipefail

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
DB="${KRUISPUNT_DB:-kruispunt}"
START_TIMEOUT=30

log() { echo "postgres.sh: $*"; }
ready() { pg_isready -q -h "$PGHOST" -p "$PGPORT"; }

if ! ready; then
  case "$PGHOST" in
  127.0.0.1 | localhost | ::1 | /*) ;;
  *)
    log "PostgreSQL at $PGHOST:$PGPORT does not answer (not local, so not starting it)"
    exit 1
    ;;
  esac
  # Debian's postgresql-common layout: /etc/postgresql/<version>/main; take the newest version.
  # --skip-systemctl-redirect: there is no systemd in CI containers, start the cluster directly.
  # shellcheck disable=SC2012 # version dirs are plain names like "15"
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  log "not answering on $PGHOST:$PGPORT; starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  deadline=$((SECONDS + START_TIMEOUT))
  until ready; do
    if ((SECONDS >= deadline)); then
      log "PostgreSQL did not answer within ${START_TIMEOUT}s"
      exit 1
    fi
    sleep 0.5
  done
fi
log "PostgreSQL answers on $PGHOST:$PGPORT"

# -d postgres: the maintenance DB always exists (PGDATABASE / the user's own DB may not).
# \gexec runs the generated CREATE DATABASE only when the database is missing;
# quote_ident keeps odd names safe.
psql -X -q -v ON_ERROR_STOP=1 -d postgres -v db="$DB" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')
\gexec
SQL
log "database '$DB' is present"
