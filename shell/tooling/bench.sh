#!/usr/bin/env bash
# `pnpm bench [name…]`: bundles the benchmarks to shell/tooling/dist, then runs them with node (no TypeScript loader).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
node --import tsx shell/tooling/src/build-bench.ts
exec node shell/tooling/dist/bench.js "$@"
