// `pnpm bench kafka`: the graphql-kafka project end to end — mutations/s and latency through
// GraphQL at a fixed offered load and at saturation, as one process and as a bff beside a handler+projector
// process, with the in-memory project as the baseline of the same machine; then command → projection latency.
// With BENCH_TRACING=1 (`pnpm bench kafka --tracing`), every process it starts exports every trace to a sink of its
// own (in the command → projection latency, only the handler+projector process makes spans, not this one).
// The broker's CPU per mutation is shown for a broker this machine runs (`shell/tooling/kafka/broker.sh`).
import { Effect } from "effect"
import { graphqlBench } from "./graphql"
import { spawnStart } from "@low/testing"
import { readFileSync } from "node:fs"
import { cpuMillis, startProjectProcess } from "./server-process"
import { projectionLatency } from "./kafka-latency"
import { kafkaSettings } from "@low/kafka"
import { dropTestData, envOf, requireServices, testSettings } from "@low/kafka/testing"
import { benchTracing, startSpanSink } from "./span-sink"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 20)
const port = Number(process.env["BENCH_PORT"] ?? 4720)
// Production consumer settings: the bench measures the deployment as it runs, not as tests tune it.
const fresh = (label: string) => testSettings(label, { consumer: Effect.runSync(kafkaSettings).consumer })
const sink = benchTracing() ? await startSpanSink() : undefined
const quiet = { LOG_LEVEL: "WARN", ...sink?.env }
const spansReceived: Array<string> = []
/** Notes the spans the sink received since the last note, under `name`. */
const noteSpans = (() => {
  let before = 0
  return (name: string) => {
    if (sink === undefined) return
    const { spans } = sink.counted()
    spansReceived.push(`${name}: ${spans - before}`)
    before = spans
  }
})()

/** A warm-up (not reported: the JIT and the consumers' first batches), then 100/s and 500/s offered, then saturation. */
const rows = async (name: string, url: string, broker = true) => {
  await graphqlBench({ url, wallets: 100, connections: 50, seconds: 5 })
  await row(name, url, 50, 100, broker)
  await row(name, url, 100, 500, broker)
  await row(name, url, 200, undefined, broker)
}

/** The consumer roles in a process of their own (no HTTP, so no health endpoint to wait for: they catch up from Kafka). */
const startWorkers = (env: Record<string, string>) => {
  const child = spawnStart("graphql-kafka", ["--role", "handler,projector"], { ...env, ...quiet }, "inherit")
  return () =>
    new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", () => resolve()), child.kill("SIGTERM"))))
}

/**
 * The CPU milliseconds the broker has used so far, when it runs on this machine from `shell/tooling/kafka/broker.sh`
 * (its pid file still naming a Kafka process); undefined for a broker elsewhere.
 */
const brokerCpu = (): number | undefined => {
  try {
    const pid = Number(readFileSync(".cache/kafka/broker.pid", "utf8").trim())
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("kafka.Kafka") ? cpuMillis(pid) : undefined
  } catch {
    return undefined // no broker of this machine's, or it went away meanwhile
  }
}

const row = async (name: string, url: string, connections: number, rate?: number, broker = true) => {
  let brokerMs: number | undefined
  const measured = async <A>(load: () => Promise<A>) => {
    const before = broker ? brokerCpu() : undefined
    const result = await load()
    const after = broker ? brokerCpu() : undefined
    brokerMs = before === undefined || after === undefined ? undefined : after - before
    return result
  }
  const r = await graphqlBench({ url, wallets: 1000, connections, seconds, measured, ...(rate === undefined ? {} : { rate }) })
  const brokerPerMutation = brokerMs === undefined || r.requests === 0 ? "" : (brokerMs / r.requests).toFixed(2)
  console.log(
    `| ${name} | ${rate ?? "saturation"} | ${connections} | ${r.requestsPerSecond} | ${r.p50} | ${r.p99} | ${brokerPerMutation} | ${r.non2xx} | ${r.errors} | ${JSON.stringify(r.outcomes)} |`
  )
}

await requireServices()
console.log(`## GraphQL over HTTP: credits and debits over 1000 wallets, ${seconds} s per row${sink ? ", every trace exported" : ""}\n`)
console.log(
  "| deployment | offered load/s | connections | mutations/s | p50 ms | p99 ms | broker CPU ms per mutation | non-2xx | errors | outcomes |"
)
console.log("|---|---|---|---|---|---|---|---|---|---|")

const baseline = await startProjectProcess("in-memory", port, quiet)
try {
  await rows("in-memory (baseline)", baseline.url, false)
} finally {
  await baseline.stop()
  noteSpans("in-memory (baseline)")
}

for (const split of [false, true]) {
  const settings = fresh(split ? "bench-split" : "bench-one")
  const env = { ...envOf(settings), ...quiet }
  const stopWorkers = split ? startWorkers(env) : async () => undefined
  const bff = await startProjectProcess("graphql-kafka", port, split ? { ...env, ROLE: "bff" } : env)
  const name = split ? "graphql-kafka, bff + handler/projector processes" : "graphql-kafka, one process"
  try {
    await rows(name, bff.url)
  } finally {
    await bff.stop()
    await stopWorkers()
    await dropTestData(settings)
    noteSpans(name)
  }
}
if (sink !== undefined) console.log(`\ntracing on: spans the sink received (OTLP/protobuf), ${spansReceived.join(", ")}`)

const settings = fresh("bench-latency")
const stopWorkers = startWorkers(envOf(settings))
try {
  const rate = 500
  const p = await Effect.runPromise(projectionLatency(settings, { rate, seconds: Math.min(seconds, 10), wallets: 100 }))
  console.log(`\n## graphql-kafka: command → projection through the command bus (no HTTP), ${rate}/s offered, handler+projector process\n`)
  console.log("| commands sent | failed | p50 ms | p99 ms |")
  console.log("|---|---|---|---|")
  console.log(`| ${p.sent} | ${p.failed} | ${p.p50.toFixed(1)} | ${p.p99.toFixed(1)} |`)
} finally {
  await stopWorkers()
  await dropTestData(settings)
  await sink?.close()
}
process.exit(0)
