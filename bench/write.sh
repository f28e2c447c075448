#!/usr/bin/env bash
# Write benchmark: updateReport throughput, each update recording an immutable
# revision, through the content service and through GraphQL over HTTP, as a
# ratio to pgbench running the equivalent SQL transaction (script derived from
# the statements the service sends) against the same private PostgreSQL
# cluster in the same run. Prints a table; no pass/fail.
# Usage: bash bench/write.sh [duration]   (default 10s per run; "5" means 5s)
# Knobs: CLIENTS (4), REPORTS (64), MODE (both | service | graphql), EXTRA
# (more flags, e.g. EXTRA="-fast -show-sql"); see go run ./bench/write -h.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
[[ $duration =~ ^[0-9]+$ ]] && duration="${duration}s"
bash scripts/deps.sh
work=$(mktemp -d /tmp/copydesk-bench-XXXX); chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
go build -o "$work/write" ./bench/write
# shellcheck disable=SC2086 # EXTRA is a list of flags
"$work/write" -duration "$duration" -clients "${CLIENTS:-4}" -reports "${REPORTS:-64}" -mode "${MODE:-both}" ${EXTRA:-}
