#!/bin/bash
# Entry point of docker/postgres.Dockerfile: on an empty PGDATA, initdb with superuser POSTGRES_USER (password
# POSTGRES_PASSWORD, scram-sha-256 over TCP) and database POSTGRES_DB, as the official image does; then runs the
# server in the foreground on every address (SIGTERM: smart shutdown).
set -euo pipefail
: "${POSTGRES_PASSWORD:?postgres-entrypoint: POSTGRES_PASSWORD is required}"
user=${POSTGRES_USER:-postgres}; db=${POSTGRES_DB:-$user}
if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  mkdir -p "$PGDATA"; chmod 700 "$PGDATA"
  initdb -D "$PGDATA" -U "$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [[ "$db" != postgres ]]; then echo "CREATE DATABASE \"$db\" OWNER \"$user\";" | postgres --single -D "$PGDATA" -j postgres >/dev/null; fi
  echo "postgres-entrypoint: initialized $PGDATA (user $user, database $db)"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
