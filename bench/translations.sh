#!/usr/bin/env bash
# Translations read benchmark: what translation tracking costs a newsroom
# dashboard read. One reports(first: 50) page read plainly (the baseline),
# with translation freshness and progress, in another locale, and in another
# locale by the public, over HTTP to an in-process GraphQL server against a
# private PostgreSQL cluster; each mode's req/s as a ratio to the plain
# read's in the same run. Prints a table; no pass/fail.
# Usage: bash bench/translations.sh [flags]   (the flags of go run ./bench/translations,
# e.g. -reports 100 -duration 3s -clients 4; see go run ./bench/translations -h)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
# As root, PostgreSQL runs as the postgres user (internal/pgembed), which must
# reach the binary's directory and the data dir the benchmark makes under TMPDIR.
work=$(mktemp -d /tmp/copydesk-bench-XXXX); chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
go build -o "$work/translations" ./bench/translations   # what `go run ./bench/translations "$@"` does
"$work/translations" "$@"
