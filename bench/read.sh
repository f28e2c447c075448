#!/usr/bin/env bash
# Read benchmark (issue 12): copydesk's public and newsroom reads — report by
# slug (en, ja), the public list, the newsroom list of 50 — against
# PostGraphile 5 over the same tables and pgbench running (a) the statements
# copydesk sends and (b) one json_agg statement returning the same data, on a
# deterministic dataset of 100,000 reports built with COPY. Systems take turns
# in rounds; prints req/s, p50/p99, SQL per request, peak RSS and copydesk's
# ratios next to the issue's targets (✓/✗), a CPU profile of copydesk, and
# appends it all to bench/RESULTS.md. No pass/fail, except that every system
# must return the same data.
# Usage: bash bench/read.sh [flags]   (the flags of go run ./bench/read, e.g.
# -reports 2000 -duration 2s -rounds 1 -clients 4 for a smoke run; -keep DIR
# reuses the dataset between runs; see go run ./bench/read -h)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
if ! command -v pgbench >/dev/null 2>&1 && ! compgen -G '/usr/lib/postgresql/*/bin/pgbench' >/dev/null; then
  echo "bench/read: pgbench not found (Debian/Ubuntu: apt-get install postgresql-client-15)" >&2
  exit 1
fi
# PostGraphile and Node 22, from bench/read/peer/package-lock.json, installed
# once into a cache directory and again only when the lock file changes.
peer=${COPYDESK_BENCH_PEER:-${XDG_CACHE_HOME:-$HOME/.cache}/copydesk/bench-read-peer}
mkdir -p "$peer"
cp bench/read/peer/package.json bench/read/peer/package-lock.json bench/read/peer/graphile.config.mjs "$peer/"
stamp=$peer/node_modules/.copydesk-lock.sha256
want=$(sha256sum bench/read/peer/package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bench/read: installing PostGraphile and Node 22 (npm ci in $peer)" >&2
  (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" >"$stamp"
fi
# As root, PostgreSQL runs as the postgres user (internal/pgembed), which must
# reach the data dir the benchmark makes under TMPDIR.
work=$(mktemp -d /tmp/copydesk-bench-XXXX); chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
go build -o "$work/copydesk" ./cmd/copydesk
go build -o "$work/read" ./bench/read   # what `go run ./bench/read "$@"` does
"$work/read" -copydesk "$work/copydesk" -peer "$peer" "$@"
