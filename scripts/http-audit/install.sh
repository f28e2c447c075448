#!/usr/bin/env bash
# Installs the audit's npm dependencies (graphql-http, graphql) from
# package-lock.json, once: again only when the lock file changed. Quiet when
# there is nothing to do. Needs node and npm; without them it says so and
# exits 0 (the Go audit test then skips).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "deps: node/npm not found; the GraphQL-over-HTTP audit test will be skipped (Debian/Ubuntu: apt-get install nodejs npm)" >&2
  exit 0
fi
stamp=node_modules/.copydesk-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "deps: installing the GraphQL-over-HTTP audit (npm ci in scripts/http-audit)" >&2
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "$want" >"$stamp"
