#!/usr/bin/env bash
# Abuse benchmark: what abusive GraphQL documents (fan-out through relations,
# duplicated fields, alias bombs, deep and cyclic fragments, introspection
# bombs, a 1 MB token flood, first: 1000000) cost copydesk serve, run as a
# separate process against a private PostgreSQL cluster with the demo data
# and 200 published reports on one event: status, error code, bytes, time and
# the server's RSS per document, and a normal query's p50/p99 alone and under
# attack, next to the issue's targets (✓/✗). Rate limits are off. No pass/fail.
# Usage: bash bench/abuse.sh [flags]   (the flags of go run ./bench/abuse, e.g.
# -duration 5s -clients 4 -attackers 2 -only 'fanout|alias' -timeout 10s; see go run ./bench/abuse -h)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
# As root, PostgreSQL runs as the postgres user (internal/pgembed), which must
# reach the binary's directory and the data dir the benchmark makes under TMPDIR.
work=$(mktemp -d /tmp/copydesk-bench-XXXX); chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
go build -o "$work/copydesk" ./cmd/copydesk
go build -o "$work/abuse" ./bench/abuse   # what `go run ./bench/abuse "$@"` does
"$work/abuse" -copydesk "$work/copydesk" "$@"
