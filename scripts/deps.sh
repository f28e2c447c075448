#!/usr/bin/env bash
# Installs what copydesk needs on a fresh Debian/Ubuntu machine and is
# otherwise silent: PostgreSQL 15 server binaries (initdb, postgres). Go is
# assumed (it builds everything else from go.mod).
set -euo pipefail
have_pg() {
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1 && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}
if ! have_pg; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing PostgreSQL 15 server binaries" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-contrib >/dev/null
  else
    echo "deps: PostgreSQL 15 server binaries not found; install them (Debian/Ubuntu: sudo apt-get install postgresql-15)" >&2
    exit 1
  fi
fi
if ! command -v go >/dev/null 2>&1; then
  echo "deps: Go is not installed (https://go.dev/doc/install); copydesk needs the version in go.mod" >&2
  exit 1
fi
# The GraphQL-over-HTTP audit (graphql-http) that graph's audit test runs.
bash "$(dirname "$0")/http-audit/install.sh"
