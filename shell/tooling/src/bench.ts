// `pnpm bench [executor] [graphql] ... [--tracing]`: the benchmarks behind BENCHMARKS.md (all of them when none is
// named); with --tracing (or BENCH_TRACING=1), the servers they start export every trace to a sink of the bench's.
// Runs bundled (shell/tooling/bench.sh builds it to shell/tooling/dist/bench.js), with import.meta.url standing
// for this source file's URL, so paths below are relative to shell/tooling/src.
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { executorBench } from "./bench/executor"
import { graphqlBench } from "./bench/graphql"
import { startProjectProcess } from "./bench/server-process"
import { benchTracing, startSpanSink } from "./bench/span-sink"

const args = process.argv.slice(2)
// The benchmarks run as scripts of their own read it from the environment.
if (args.includes("--tracing")) process.env["BENCH_TRACING"] = "1"
const tracing = benchTracing()

const benches: Record<string, () => Promise<void>> = {
  executor: async () => {
    console.log("## In-process executor: credits and debits over 1000 wallets (median of 3 rounds)\n")
    console.log("| in flight | callers | executor cmd/s | async/await baseline cmd/s | executor cost / baseline cost |")
    console.log("|---|---|---|---|---|")
    for (const [inFlight, interruptible] of [
      [1, false],
      [64, false],
      [64, true]
    ] as const) {
      const r = await executorBench({ wallets: 1000, commands: 100_000, inFlight, rounds: 3, interruptible })
      const callers = interruptible ? "interruptible" : "lanes (uninterruptible)"
      console.log(`| ${inFlight} | ${callers} | ${r.executorPerSecond} | ${r.baselinePerSecond} | ${r.costRatio.toFixed(2)}× |`)
    }
  },
  graphql: async () => {
    console.log(
      `\n## GraphQL over HTTP, in-memory project: 50 connections, 10 s, credits and debits over 1000 wallets${tracing ? ", every trace exported" : ""}\n`
    )
    const sink = tracing ? await startSpanSink() : undefined
    const server = await startProjectProcess("in-memory", Number(process.env["BENCH_PORT"] ?? 4710), sink?.env)
    let mutations = 0
    try {
      let cpu = 0
      const r = await graphqlBench({
        url: server.url,
        wallets: 1000,
        connections: 50,
        seconds: 10,
        measured: async (load) => {
          const before = server.cpu()
          const result = await load()
          cpu = server.cpu() - before
          return result
        }
      })
      const perMutation = Math.round((cpu * 1000) / r.requests)
      mutations = r.requests + 2 * 1000 // and the wallets' opening and funding
      console.log("| mutations/s | p50 ms | p99 ms | server CPU µs/mutation | non-2xx | errors | outcomes |")
      console.log("|---|---|---|---|---|---|---|")
      console.log(
        `| ${r.requestsPerSecond} | ${r.p50} | ${r.p99} | ${perMutation} | ${r.non2xx} | ${r.errors} | ${JSON.stringify(r.outcomes)} |`
      )
    } finally {
      await server.stop()
      if (sink !== undefined) {
        const { spans, requests } = sink.counted()
        const each = mutations === 0 ? "" : `, ${(spans / mutations).toFixed(1)} per mutation`
        console.log(`\ntracing on: the sink received ${spans} spans in ${requests} OTLP/protobuf exports${each}`)
        await sink.close()
      }
    }
  }
}

/** A benchmark that is a script of its own, run in a fresh process: its bundle, built beside this one by `pnpm bench`. */
const script = (path: string) => async () => {
  const file = fileURLToPath(new URL(`../dist/${path}.js`, import.meta.url))
  const { status } = spawnSync(process.execPath, [file], { stdio: "inherit" })
  if (status !== 0) throw new Error(`${path} exited with ${status}`)
}
benches["postgres"] = script("bench/postgres")
benches["kafka"] = script("bench/kafka")
benches["catch-up"] = script("bench/catch-up")
benches["transfers"] = script("bench/transfers")

const named = args.filter((arg) => arg !== "--tracing")
const chosen = named.length > 0 ? named : Object.keys(benches)
for (const name of chosen) {
  const bench = benches[name]
  if (bench === undefined) {
    console.error(`No benchmark "${name}". Benchmarks: ${Object.keys(benches).join(", ")}`)
    process.exit(2)
  }
  await bench()
}
