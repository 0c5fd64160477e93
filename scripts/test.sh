#!/usr/bin/env bash
# The project's test command (README): builds the solution and runs every test.
# Later services the tests need (PostgreSQL) are started here too, so this one command is all a fresh
# machine needs.
set -euo pipefail
cd "$(dirname "$0")/.."
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
