#!/usr/bin/env bash
# `bash shell/tooling/bench-tracing.sh <graphql|kafka> [rounds] [folder]`: `pnpm bench <name>` with tracing off and
# with every trace exported (`--tracing`), one after the other on the whole machine, which goes first alternating
# every round. Prints each round's figures side by side, on/off ratios, and their geometric means over the rounds.
# Given the folder of an earlier series' outputs, tabulates those instead of running.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bench="${1:?graphql or kafka}"
rounds="${2:-4}"
log="${3:-}"
run() {
  bash shell/tooling/bench.sh "$bench" "$@" >"$log/$side-$round" 2>&1 ||
    { tail -20 "$log/$side-$round" >&2; echo "round $round with tracing $side failed: $log/$side-$round" >&2; exit 1; }
}
if [ -z "$log" ]; then
  log="$(mktemp -d)"
  for round in $(seq 1 "$rounds"); do
    for side in $([ $((round % 2)) = 1 ] && echo "off on" || echo "on off"); do
      if [ "$side" = on ]; then run --tracing; else run; fi
    done
  done
fi
# Rows of figures: graphql's one row starts with its mutations/s; kafka's with the deployment, then its command →
# projection latency (commands sent, failed, p50, p99).
rows() { grep -E '^\| ([0-9]+|in-memory|graphql-kafka)' "$1" | sed 's/ *| */|/g'; }
for round in $(seq 1 "$rounds"); do
  grep -h '^tracing on' "$log/on-$round" | sed "s/^/round $round, /" >&2
  paste -d'#' <(rows "$log/off-$round") <(rows "$log/on-$round") | sed "s/^/$round#/"
done | awk -F'#' -v bench="$bench" '
  function ratio(a, b) { return b > 0 ? a / b : 0 }
  BEGIN {
    if (bench == "graphql") {
      print "| round | mutations/s off | on | on/off | server CPU µs/mutation off | on | on/off |"
      print "|---:|---:|---:|---:|---:|---:|---:|"
    } else {
      print "| round | deployment | offered/s | mutations/s off | on | on/off | p99 ms off | on | on/off |"
      print "|---:|---|---|---:|---:|---:|---:|---:|---:|"
    }
  }
  {
    split($2, off, "|"); split($3, on, "|")
    if (bench == "graphql") { key = "all"; t0 = off[2]; t1 = on[2]; l0 = off[5]; l1 = on[5] }
    else if (off[2] ~ /^[0-9]+$/) { key = "command → projection, no HTTP | 500"; t0 = t1 = "-"; l0 = off[5]; l1 = on[5] }
    else { key = off[2] " | " off[3]; t0 = off[5]; t1 = on[5]; l0 = off[7]; l1 = on[7] }
    rt = ratio(t1, t0); rl = ratio(l1, l0)
    if (rt > 0) { st[key] += log(rt); nt[key]++ }
    if (rl > 0) { sl[key] += log(rl); nl[key]++ }
    if (!(key in order)) { order[key] = ++keys; name[keys] = key }
    if (bench == "graphql") printf "| %s | %s | %s | %.3f | %s | %s | %.3f |\n", $1, t0, t1, rt, l0, l1, rl
    else printf "| %s | %s | %s | %s | %s | %s | %s | %.3f |\n", $1, key, t0, t1, (rt > 0 ? sprintf("%.3f", rt) : "-"), l0, l1, rl
  }
  END {
    print ""
    for (i = 1; i <= keys; i++) {
      k = name[i]
      printf "geometric mean on/off%s: throughput %s, %s %.3f\n", (bench == "graphql" ? "" : " (" k ")"),
        (nt[k] ? sprintf("%.3f", exp(st[k] / nt[k])) : "-"), (bench == "graphql" ? "CPU per mutation" : "p99"), nl[k] ? exp(sl[k] / nl[k]) : 0
    }
  }'
echo "(outputs in $log)"
