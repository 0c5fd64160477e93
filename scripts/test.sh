#!/usr/bin/env bash
# The project's test command (README): builds the solution and runs every test.
# Later services the tests need (PostgreSQL) are started here too, so this one command is all a fresh
# machine needs.
set -euo pipefail
cd "$(dirname "$0")/.."
# The Kubernetes tests (tests/K8s) render k8s/ with `kubectl kustomize`. This machine image ships kubectl v1.32
# (kustomize v5.5); where it is missing, install Debian's client. Without kubectl those tests fail, never skip.
if ! command -v kubectl >/dev/null 2>&1 && [[ -z "${KUBECTL:-}" ]]; then
  echo "test.sh: kubectl not found; installing kubernetes-client" >&2
  as_root=(); [[ "$(id -u)" != 0 ]] && as_root=(sudo)
  { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq kubernetes-client >/dev/null; } \
    || echo "test.sh: could not install kubectl; the Kubernetes tests will fail" >&2
fi
# The live view's tests (tests/LiveView) drive Debian's headless Chromium through its chromedriver; nothing is
# downloaded at test time. Without them those tests fail, never skip.
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  echo "test.sh: chromium or chromedriver not found; installing chromium chromium-driver" >&2
  as_root=(); [[ "$(id -u)" != 0 ]] && as_root=(sudo)
  { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq chromium chromium-driver >/dev/null; } \
    || echo "test.sh: could not install chromium; the live view tests will fail" >&2
fi
dotnet build AprOrleans.sln -c Release --nologo -v minimal
# The service tests need PostgreSQL: unless one is given, start the project's private cluster (and stop it on exit).
# If it cannot start, this fails here, and the tests would fail without it: they never skip.
if [[ -z "${APR_TEST_POSTGRES:-}" ]]; then
  APR_TEST_POSTGRES="$(bash scripts/postgres.sh start)"
  export APR_TEST_POSTGRES
  trap 'bash scripts/postgres.sh stop' EXIT
fi
dotnet test tests/AprOrleans.Tests.csproj -c Release --no-build --nologo \
  --logger "console;verbosity=normal" --results-directory artifacts/test-results --logger "trx;LogFileName=tests.trx"
