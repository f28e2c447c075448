#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL clusters the tests start
# themselves (one per test binary, under /tmp). Extra arguments go to go test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
exec go test -race -count=1 -timeout 20m "$@" ./...
