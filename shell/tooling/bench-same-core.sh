#!/usr/bin/env bash
# `bash shell/tooling/bench-same-core.sh <other checkout> [rounds] [mutations/s]`: the in-memory server of this
# checkout and of another on core 1 at once, the same paced load (1,200 mutations/s to each by default) from one
# generator on core 0, compared by their CPU time per mutation (see shell/tooling/src/bench/same-core.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec taskset -c "${BENCH_LOAD_CORE:-0}" node --import tsx shell/tooling/src/bench/same-core.ts "$@"
