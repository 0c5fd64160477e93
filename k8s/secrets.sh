#!/usr/bin/env bash
# Creates k8s/base/secrets.env, the values of Secret `apr-secrets` (the base's secretGenerator reads it): a generated
# PostgreSQL password, the connection string that uses it, and a generated admin token (64 hex characters; the silo
# refuses tokens under 32 bytes or holding a placeholder). The repository ships no secret: until this file exists,
# `kubectl kustomize` of the base or an overlay fails naming it. The file is ignored by git; keep it out of any
# repository, or replace the Secret in your overlay (k8s/README.md, "Deploy").
#
#   bash k8s/secrets.sh            # writes k8s/base/secrets.env unless it exists
#   bash k8s/secrets.sh --rotate   # writes new values over it (then: kubectl apply -k …, and restart silos and jobs)
set -euo pipefail
cd "$(dirname "$0")"
file=base/secrets.env
if [[ -e "$file" && "${1:-}" != "--rotate" ]]; then
  echo "k8s/secrets.sh: $file exists; keeping it (--rotate writes new values)" >&2
  exit 0
fi
[[ $# -eq 0 || "$1" == "--rotate" ]] || { echo "k8s/secrets.sh: unknown argument '$1' (the only one is --rotate)" >&2; exit 2; }
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
password=$(random_hex 24)
umask 077
cat > "$file.tmp" <<VALUES
postgres-password=$password
connection-string=Host=apr-postgres;Port=5432;Username=apr;Password=$password;Database=apr
admin-token=$(random_hex 32)
VALUES
mv "$file.tmp" "$file"
echo "k8s/secrets.sh: wrote k8s/$file (postgres-password, connection-string, admin-token)" >&2
