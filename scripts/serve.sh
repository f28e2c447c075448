#!/usr/bin/env bash
# Runs the copydesk server: installs what is missing, then `copydesk serve`.
# With no DATABASE_URL it starts its own PostgreSQL under ./.copydesk.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
exec go run ./cmd/copydesk serve "$@"
