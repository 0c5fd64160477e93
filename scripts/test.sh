#!/usr/bin/env bash
# The project's test command (README): builds the solution and runs every test.
# Later services the tests need (PostgreSQL) are started here too, so this one command is all a fresh
# machine needs.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build AprOrleans.sln -c Release --nologo -v minimal
dotnet test tests/AprOrleans.Tests.csproj -c Release --no-build --nologo \
  --logger "console;verbosity=normal" --results-directory artifacts/test-results --logger "trx;LogFileName=tests.trx"
