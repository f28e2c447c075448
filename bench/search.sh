#!/usr/bin/env bash
# Search benchmark (issue 13): copydesk's full-text search — English,
# Chinese (two and four characters), Japanese and Korean queries and filters
# combined with a search, newsroom (token) and public (anonymous) — on the
# bench/read dataset of 100,000 reports: p50/p99 at 1 and 8 clients next to
# pgbench running the statements copydesk sends (and a headless CMS's ILIKE
# with pg_trgm as a peer), each statement's plan, page 100 against page 1,
# and the search index's size on disk. Appends the results to
# bench/RESULTS.md. No pass/fail.
#
# Usage:
#   bash bench/search.sh [flags]          # flags of go run ./bench/search (-keep DIR reuses the dataset;
#                                         # -reports 2000 -duration 2s -rounds 1 for a smoke run)
#   bash bench/search.sh -write-cost [rounds] [duration]
#       the write cost of the index: bench/write (updateReport) at the commit before search
#       (WRITE_BASE, default 1a62553) and at HEAD, alternating for rounds (3) of duration (10s);
#       prints updates/s and copydesk÷pgbench of each and the cost ratio base ÷ head.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
work=$(mktemp -d /tmp/copydesk-bench-XXXX); chmod 755 "$work"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

if [ "${1:-}" = "-write-cost" ]; then
  rounds=${2:-3}; duration=${3:-10s}
  [[ $duration =~ ^[0-9]+$ ]] && duration="${duration}s"
  base=${WRITE_BASE:-1a62553}
  wt="$work/base"
  git worktree add --quiet --detach "$wt" "$base"
  trap 'git worktree remove --force "$wt"; cleanup' EXIT
  (cd "$wt" && go build -o "$work/write-base" ./bench/write)
  go build -o "$work/write-head" ./bench/write
  head=$(git rev-parse --short HEAD)
  echo "write cost of the search index: bench/write at $base (before search) and at $head, $rounds rounds × $duration, ${CLIENTS:-4} clients, ${REPORTS:-64} reports" >&2
  for r in $(seq 1 "$rounds"); do
    order="base head"; [ $((r % 2)) -eq 0 ] && order="head base"
    for v in $order; do
      echo "bench/search: write cost round $r: $v" >&2
      "$work/write-$v" -duration "$duration" -clients "${CLIENTS:-4}" -reports "${REPORTS:-64}" -mode both >"$work/$v-$r.txt" 2>"$work/$v-$r.err" \
        || { cat "$work/$v-$r.err" >&2; exit 1; }
      awk -v v="$v" -v r="$r" '$1 ~ /^(service|graphql|pgbench)$/ && $2 ~ /^[0-9]+$/ && $4 ~ /^[0-9.]+$/ { print r, v, $1, $4, $NF }' "$work/$v-$r.txt" >>"$work/rows"
    done
  done
  awk -v base="$base" -v head="$head" '
    function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { key = $2 " " $3; n[key]++; ups[key, n[key]] = $4; rat[key, n[key]] = $5
      printf "  round %d  %-4s %-8s %9.1f updates/s  ÷ pgbench %s\n", $1, $2, $3, $4, $5 }
    END {
      printf "\n  %-8s %16s %16s %18s %18s   %s\n", "mode", "base updates/s", "head updates/s", "base ÷ pgbench", "head ÷ pgbench", "cost = base ÷ head (≤ 1.3×)"
      split("service graphql pgbench", modes, " ")
      for (m = 1; m <= 3; m++) {
        mode = modes[m]; kb = "base " mode; kh = "head " mode
        for (i = 1; i <= n[kb]; i++) { a[i] = ups[kb, i]; ra[i] = rat[kb, i] }
        for (i = 1; i <= n[kh]; i++) { c[i] = ups[kh, i]; rc[i] = rat[kh, i] }
        mb = median(a, n[kb]); mh = median(c, n[kh]); rb = median(ra, n[kb]); rh = median(rc, n[kh])
        cost = mb / mh; rcost = (rh > 0) ? rb / rh : 0
        mark = ""; if (mode != "pgbench") mark = (cost <= 1.3 ? "✓" : "✗")
        printf "  %-8s %16.1f %16.1f %18.2f %18.2f   %.2f× %s", mode, mb, mh, rb, rh, cost, mark
        if (mode != "pgbench") printf "  (of the ÷ pgbench ratios: %.2f×)", rcost
        printf "\n"
      }
      printf "  medians over rounds; base = %s, head = %s; pgbench runs the same script at both (the statements of an update before search)\n", base, head
    }' "$work/rows"
  exit 0
fi

if ! command -v pgbench >/dev/null 2>&1 && ! compgen -G '/usr/lib/postgresql/*/bin/pgbench' >/dev/null; then
  echo "bench/search: pgbench not found (Debian/Ubuntu: apt-get install postgresql-client-15)" >&2
  exit 1
fi
go build -o "$work/copydesk" ./cmd/copydesk
go build -o "$work/read" ./bench/read
go build -o "$work/search" ./bench/search
# The dataset is bench/read's: built (or found) by bench/read -build-only in
# the -keep directory, or in a cluster of this run's work directory.
keep="" reports=100000 args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    -keep | --keep) keep=${args[$((i + 1))]} ;;
    -keep=* | --keep=*) keep=${args[$i]#*=} ;;
    -reports | --reports) reports=${args[$((i + 1))]} ;;
    -reports=* | --reports=*) reports=${args[$i]#*=} ;;
  esac
done
extra=()
if [ -z "$keep" ]; then
  keep="$work/cluster"
  extra=(-keep "$keep")
fi
"$work/read" -build-only -keep "$keep" -reports "$reports" -copydesk "$work/copydesk"
"$work/search" -copydesk "$work/copydesk" "${extra[@]}" "$@"
