#!/usr/bin/env bash
# Rebuilds internal/explorer/dist/ (the GraphiQL bundle embedded by explorer.go)
# from the pinned npm packages in internal/explorer/web/package-lock.json.
# Needs Node >= 20 and npm; only the npm registry is contacted.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/web"

# --ignore-scripts: nothing needs an install script (esbuild's binary comes
# from its @esbuild/<platform> optional dependency).
npm ci --ignore-scripts --no-audit --no-fund
NODE_ENV=production node build.mjs
