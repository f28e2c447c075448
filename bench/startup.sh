#!/usr/bin/env bash
# Startup benchmark: time from `copydesk serve` to /readyz = 200, on a fresh
# data dir (initdb + migrations + demo load) and on an existing one (warm),
# against a baseline measured in the same run: the bare PostgreSQL server
# started by hand on the same data dir until it accepts connections.
# Usage: bash bench/startup.sh [runs]   (default 5 warm runs)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
bash scripts/deps.sh
work=$(mktemp -d /tmp/copydesk-bench-XXXX); chmod 755 "$work"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/copydesk" ./cmd/copydesk
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

serve_until_ready() { # $1 data dir; prints ms
  local p; p=$(port)
  local t0; t0=$(date +%s%N)
  "$work/copydesk" serve --addr "127.0.0.1:$p" --data-dir "$1" --log-format json 2>>"$work/log" &
  local pid=$!
  until curl -fsS -o /dev/null "http://127.0.0.1:$p/readyz" 2>/dev/null; do sleep 0.02; done
  ms "$t0"
  kill -INT "$pid"; wait "$pid" || true
}

pg_until_ready() { # bare postgres on the copydesk data dir; prints ms
  local bin; bin=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")")
  local p; p=$(port)
  local run=(); [ "$(id -u)" = 0 ] && run=(setpriv --reuid=postgres --regid=postgres --init-groups)
  local t0; t0=$(date +%s%N)
  "${run[@]}" "$bin/postgres" -D "$1/pg" -p "$p" -c listen_addresses=127.0.0.1 -c unix_socket_directories= >>"$work/pglog" 2>&1 &
  local pid=$!
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$p"; do sleep 0.02; done
  ms "$t0"
  kill -INT "$pid"; wait "$pid" || true
}

fresh=$(serve_until_ready "$work/data")
warm=(); base=()
for i in $(seq "$runs"); do
  base+=("$(pg_until_ready "$work/data")")
  warm+=("$(serve_until_ready "$work/data")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mw=$(median "${warm[@]}"); mb=$(median "${base[@]}")
echo "startup, serve → /readyz 200 (ms)"
echo "  fresh data dir (initdb, migrations, demo):  $fresh"
echo "  existing data dir, median of $runs:          $mw   (runs: ${warm[*]})"
echo "  baseline: bare postgres to accepting, median: $mb   (runs: ${base[*]})"
awk -v w="$mw" -v b="$mb" 'BEGIN { printf "  ratio warm / bare postgres:                  %.2f\n", w / (b > 0 ? b : 1) }'
awk -v w="$mw" 'BEGIN { printf "  target warm < 3000 ms:                       %s\n", (w < 3000 ? "met" : "NOT MET") }'
