// The build step of `pnpm bench` (shell/tooling/bench.sh runs it, then runs the output with node): bundles the
// benchmark runner and the benchmarks it runs as scripts of their own to shell/tooling/dist, so the figures are
// those of compiled code, as production runs it.
import { buildTools, describe } from "./build"

export const benchScripts = ["bench.ts", "bench/postgres.ts", "bench/kafka.ts", "bench/catch-up.ts", "bench/transfers.ts"]

try {
  for (const built of await buildTools(benchScripts)) console.error(describe(built))
} catch (error) {
  console.error(`the benchmarks did not build: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
