#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests, kept under artifacts/postgres/ in the project.
#
#   bash scripts/postgres.sh start   # starts it (or reuses a running one); prints the Npgsql connection string
#   bash scripts/postgres.sh env     # prints `export APR_TEST_POSTGRES=...` for the running cluster
#   bash scripts/postgres.sh stop    # stops it (the data folder is kept; `clean` removes it)
#
# It uses the PostgreSQL server binaries already installed (PostgreSQL 15 on Debian: /usr/lib/postgresql/15/bin),
# listens on 127.0.0.1 only, on the first free port from 55432 up, with password authentication. initdb refuses
# to run as root, so as root the cluster is owned and run by the `postgres` user (created if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
# APR_POSTGRES_ROOT keeps a cluster elsewhere, e.g. outside the checkout for a training run that must outlive it;
# there the postgres user must be able to enter it (no fallback to /tmp: start exits 2 and says so).
root="${APR_POSTGRES_ROOT:-$PWD/artifacts/postgres}"
conn_file="$root/connection"
# The data folder: artifacts/postgres/data, unless the cluster's owner cannot reach it (as root, the
# `postgres` user cannot enter a project kept under a private home such as /root); then a folder in /tmp
# named after the project, recorded in artifacts/postgres/datadir so stop finds it again.
data="$root/data"
[[ -f "$root/datadir" ]] && data="$(cat "$root/datadir")"
user=apr
password=apr
database=apr_test

die() { echo "postgres.sh: $*" >&2; exit 1; }

find_bin() {
  local dir
  for dir in ${PG_BIN:-} $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return; }
  done
  local ctl
  ctl="$(command -v pg_ctl || true)"
  [[ -n "$ctl" ]] && { dirname "$(readlink -f "$ctl")"; return; }
  die "no PostgreSQL server binaries found (install postgresql, or set PG_BIN)"
}

# Runs a command as the cluster's owner: the current user, or `postgres` when we are root.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    (cd / && runuser -u postgres -- "$@")  # from /, which the owner can always enter
  else
    "$@"
  fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() { [[ -f "$data/postmaster.pid" ]] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

start() {
  if running && [[ -f "$conn_file" ]]; then cat "$conn_file"; return; fi
  mkdir -p "$root"
  if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    chown postgres "$root"
    if ! runuser -u postgres -- test -w "$root"; then
      # A cluster asked to outlive the checkout must not land in /tmp, which a reboot or a new session empties.
      if [[ -n "${APR_POSTGRES_ROOT:-}" ]]; then
        echo "postgres.sh: the postgres user cannot reach APR_POSTGRES_ROOT=$root (a folder above it is private, e.g. a home" \
             "directory); give it passage (chmod o+x on each folder above) or choose a root it can reach" >&2
        exit 2
      fi
      data="/tmp/apr-postgres-$(printf '%s' "$PWD" | sha1sum | cut -c1-12)/data"
      mkdir -p "$(dirname "$data")" && chown postgres "$(dirname "$data")"
      echo "postgres.sh: the postgres user cannot reach $root; data folder: $data" >&2
    fi
    # A folder recorded by an earlier version's /tmp fallback stays in use (it may hold a run), but is named.
    [[ -n "${APR_POSTGRES_ROOT:-}" && "$data" != "$root/data" ]] \
      && echo "postgres.sh: using the data folder recorded in $root/datadir, $data, not $root/data" >&2
    printf '%s\n' "$data" > "$root/datadir"
  fi
  if [[ ! -f "$data/PG_VERSION" ]]; then
    rm -rf "$data"
    local pwfile; pwfile="$(dirname "$data")/pwfile"
    printf '%s\n' "$password" > "$pwfile"
    [[ "$(id -u)" == 0 ]] && chown postgres "$pwfile"
    as_owner "$bin/initdb" -D "$data" -U "$user" --pwfile="$pwfile" --auth=scram-sha-256 --encoding=UTF8 --locale=C >"$root/initdb.log" 2>&1 \
      || { cat "$root/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  local port=55432
  while ! port_free "$port"; do
    port=$((port + 1))
    (( port < 55532 )) || die "no free port in 55432..55531"
  done
  # TCP on loopback only; no Unix socket, so nothing outside the project folder is touched.
  as_owner "$bin/pg_ctl" -D "$data" -l "$(dirname "$data")/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' -c max_connections=200 -c fsync=off" start >/dev/null \
    || { tail -n 20 "$(dirname "$data")/server.log" >&2; die "the server did not start"; }
  PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U "$user" -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 \
    || PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U "$user" -d postgres -qc "CREATE DATABASE $database" >/dev/null
  local conn="Host=127.0.0.1;Port=$port;Username=$user;Password=$password;Database=$database"
  printf '%s\n' "$conn" > "$conn_file"
  echo "$conn"
}

stop() {
  if running; then as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
  rm -f "$conn_file"
}

bin="$(find_bin)"
case "${1:-}" in
  start) start ;;
  env) running && [[ -f "$conn_file" ]] || die "not running (run: bash scripts/postgres.sh start)"; echo "export APR_TEST_POSTGRES='$(cat "$conn_file")'" ;;
  stop) stop ;;
  clean) stop; [[ "$data" == /tmp/apr-postgres-* ]] && rm -rf "$(dirname "$data")"; rm -rf "$data" "$root" ;;
  *) die "usage: postgres.sh start|env|stop|clean" ;;
esac
