#!/usr/bin/env bash
# `bash shell/tooling/bench-pair.sh <other checkout> [rounds]`: `pnpm bench graphql` in this checkout and in another
# (say, a worktree of the last release) at the same time, each pinned to one core with taskset, the cores swapped
# every round, so both sides meet the same machine. Prints each round's mutations/s, side by side, and the ratio.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
other="$(cd "$1" && pwd)"
rounds="${2:-6}"
log="$(mktemp -d)"
run() { # checkout core port output
  (cd "$1" && BENCH_PORT="$3" taskset -c "$2" bash shell/tooling/bench.sh graphql >"$4" 2>&1)
}
rate() { grep -E '^\| [0-9]+ \|' "$1" | head -1 | cut -d'|' -f2 | tr -d ' '; }
echo "| round | this checkout (core) | other (core) | this / other |"
echo "|---:|---:|---:|---:|"
for round in $(seq 1 "$rounds"); do
  a=$(((round + 1) % 2)) b=$((round % 2))
  run "$here" "$a" 4711 "$log/here-$round" &
  run "$other" "$b" 4712 "$log/other-$round" &
  wait
  x=$(rate "$log/here-$round") y=$(rate "$log/other-$round")
  echo "| $round | $x ($a) | $y ($b) | $(awk "BEGIN { printf \"%.3f\", $x / $y }") |"
done
