#!/usr/bin/env bash
# Creates the files the base's secretGenerators read, all ignored by git:
#   k8s/base/secrets.env            Secret `apr-secrets`: a generated PostgreSQL password, the connection string that
#                                   uses it, and a generated admin token (64 hex characters; the silo refuses tokens
#                                   under 32 bytes or holding a placeholder);
#   k8s/base/silo-tls.crt, .key     Secret `apr-silo-tls`: the cluster's certificate for mutual TLS between silos
#                                   (self-signed EC P-256, 10 years; every silo holds it and accepts only it).
# The repository ships no secret: until these files exist, `kubectl kustomize` of the base or an overlay fails naming
# one. Keep them out of any repository, or replace the Secrets in your overlay (k8s/README.md, "Deploy").
#
#   bash k8s/secrets.sh            # writes k8s/base/secrets.env unless it exists
#   bash k8s/secrets.sh --rotate   # writes new values over it (then: kubectl apply -k …, and restart silos and jobs)
set -euo pipefail
cd "$(dirname "$0")"
file=base/secrets.env
[[ $# -eq 0 || "$1" == "--rotate" ]] || { echo "k8s/secrets.sh: unknown argument '$1' (the only one is --rotate)" >&2; exit 2; }
if [[ -e "$file" && -e base/silo-tls.crt && -e base/silo-tls.key && "${1:-}" != "--rotate" ]]; then
  echo "k8s/secrets.sh: $file and base/silo-tls.* exist; keeping them (--rotate writes new values)" >&2
  exit 0
fi
command -v openssl >/dev/null || { echo "k8s/secrets.sh: openssl is required (it generates the silos' TLS certificate)" >&2; exit 1; }
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
password=$(random_hex 24)
umask 077
cat > "$file.tmp" <<VALUES
postgres-password=$password
connection-string=Host=apr-postgres;Port=5432;Username=apr;Password=$password;Database=apr
admin-token=$(random_hex 32)
VALUES
mv "$file.tmp" "$file"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=apr-silo" \
  -keyout base/silo-tls.key.tmp -out base/silo-tls.crt.tmp 2>/dev/null
mv base/silo-tls.key.tmp base/silo-tls.key
mv base/silo-tls.crt.tmp base/silo-tls.crt
echo "k8s/secrets.sh: wrote k8s/$file (postgres-password, connection-string, admin-token) and k8s/base/silo-tls.crt, .key" >&2
