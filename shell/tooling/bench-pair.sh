#!/usr/bin/env bash
# `bash shell/tooling/bench-pair.sh <other checkout> [rounds] [together|turns]`: `pnpm bench graphql` in this
# checkout and in another (say, a worktree of the last release), side by side, so both meet the same machine:
# - together (default): both at once, each pinned to one core with taskset, the cores swapped every round;
# - turns: one after the other on the whole machine, which goes first alternating every round.
# Prints each round's mutations/s and the server's CPU time per mutation for both, and their ratios.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
other="$(cd "$1" && pwd)"
rounds="${2:-6}"
mode="${3:-together}"
log="$(mktemp -d)"
run() { # checkout cores port output
  (cd "$1" && BENCH_PORT="$3" taskset -c "$2" bash shell/tooling/bench.sh graphql >"$4" 2>&1)
}
column() { grep -E '^\| [0-9]+ \|' "$2" | head -1 | cut -d'|' -f"$1" | tr -d ' '; }
echo "| round | mutations/s here | there | here / there | server CPU µs/mutation here | there | here / there |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for round in $(seq 1 "$rounds"); do
  if [ "$mode" = turns ]; then
    if [ $((round % 2)) = 1 ]; then
      run "$here" 0,1 4711 "$log/here-$round" && run "$other" 0,1 4712 "$log/other-$round"
    else
      run "$other" 0,1 4712 "$log/other-$round" && run "$here" 0,1 4711 "$log/here-$round"
    fi
    a="" b=""
  else
    a=$(((round + 1) % 2)) b=$((round % 2))
    run "$here" "$a" 4711 "$log/here-$round" &
    run "$other" "$b" 4712 "$log/other-$round" &
    wait
    a=" (core $a)" b=" (core $b)"
  fi
  x=$(column 2 "$log/here-$round") y=$(column 2 "$log/other-$round")
  u=$(column 5 "$log/here-$round") v=$(column 5 "$log/other-$round")
  ratio() { awk "BEGIN { printf \"%.3f\", $1 / $2 }"; }
  echo "| $round | $x$a | $y$b | $(ratio "$x" "$y") | $u | $v | $(ratio "$u" "$v") |"
done
