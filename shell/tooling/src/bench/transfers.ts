// `pnpm bench transfers`: transfers end to end against debits on the same deployment, side by side in one run. A
// transfer is three commits on two wallets (the source's debit, the destination's credit, the source's completion)
// and answers once it ended and both wallets show it; a debit is one commit. Each deployment serves both loads in
// turns (debits, transfers, three times unless BENCH_ROUNDS says), at saturation, then each at a fixed offered load,
// over 1000 wallets.
import autocannon from "autocannon"
import { Effect } from "effect"
import { kafkaSettings } from "@low/kafka"
import { dropTestData, envOf, requireServices, testSettings } from "@low/kafka/testing"
import { createTestDatabase } from "@low/postgres/testing"
import { codeOf, prepare } from "./graphql"
import { graphqlLoad, type GraphqlRequest } from "./load"
import { pacedLoad, quantile } from "./paced"
import { startProjectProcess } from "./server-process"

const seconds = Number(process.env["BENCH_SECONDS"] ?? 10)
const port = Number(process.env["BENCH_PORT"] ?? 4740)
const wallets = 1000
const connections = 50
/** Debits then transfers, this many times: the machine's own swings show between rounds. */
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 3)
const quiet = { LOG_LEVEL: "WARN" }

const debit = "mutation ($w: ID!, $a: Int!) { debit(walletId: $w, amount: $a) { balance } }"
const transfer = "mutation ($f: ID!, $t: ID!, $a: Int!) { transfer(fromWalletId: $f, toWalletId: $t, amount: $a) { status } }"

/** The n-th request of a load: a debit, or a transfer to another wallet, over every wallet in turn. */
const requestOf =
  (kind: "debit" | "transfer", prefix: string) =>
  (n: number): GraphqlRequest => {
    const from = (n * 7919) % wallets
    const to = (from + 1 + (n % (wallets - 1))) % wallets
    const amount = 1 + (n % 100)
    return kind === "debit"
      ? { query: debit, variables: { w: `${prefix}${from}`, a: amount } }
      : { query: transfer, variables: { f: `${prefix}${from}`, t: `${prefix}${to}`, a: amount } }
  }

const saturation = async (url: string, request: (n: number) => GraphqlRequest) => {
  const codes = new Map<string, number>()
  const result = await autocannon(
    graphqlLoad({ url, connections, seconds }, request, (body) => {
      const code = codeOf(body)
      codes.set(code, (codes.get(code) ?? 0) + 1)
    })
  )
  return {
    perSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    outcomes: Object.fromEntries(codes)
  }
}

const paced = async (url: string, request: (n: number) => GraphqlRequest, rate: number) => {
  const codes = new Map<string, number>()
  const r = await pacedLoad({ url, rate, seconds, connections: 200 }, request, (body) =>
    codes.set(codeOf(body), (codes.get(codeOf(body)) ?? 0) + 1)
  )
  return {
    perSecond: Math.round(r.latencies.length / r.seconds),
    p50: Math.round(quantile(r.latencies, 0.5)),
    p99: Math.round(quantile(r.latencies, 0.99)),
    outcomes: Object.fromEntries(codes)
  }
}

const row = (deployment: string, load: string, kind: string, r: Awaited<ReturnType<typeof saturation>>) =>
  console.log(`| ${deployment} | ${load} | ${kind} | ${r.perSecond} | ${r.p50} | ${r.p99} | ${JSON.stringify(r.outcomes)} |`)

const measure = async (deployment: string, url: string, rate: number) => {
  const prefix = `t${Date.now().toString(36)}-`
  await prepare(url, prefix, wallets)
  // A warm-up of each (not reported): the JIT, the consumers' first batches.
  await saturation(url, requestOf("debit", `${prefix}`))
  await saturation(url, requestOf("transfer", `${prefix}`))
  const ratios: Array<number> = []
  for (let round = 0; round < rounds; round++) {
    const d = await saturation(url, requestOf("debit", prefix))
    row(deployment, "saturation", "debits", d)
    const t = await saturation(url, requestOf("transfer", prefix))
    row(deployment, "saturation", "transfers", t)
    ratios.push(t.perSecond / d.perSecond)
  }
  row(deployment, `${rate}/s`, "debits", await paced(url, requestOf("debit", prefix), rate))
  row(deployment, `${rate}/s`, "transfers", await paced(url, requestOf("transfer", prefix), rate))
  return ratios
}

await requireServices()
console.log(`## Transfers against debits, ${seconds} s per row, ${connections} connections at saturation, ${wallets} wallets\n`)
console.log("| deployment | load | mutation | per second | p50 ms | p99 ms | outcomes |")
console.log("|---|---|---|---|---|---|---|")
const summary: Array<string> = []

const deployments: Array<[string, string, () => Promise<{ env: Record<string, string>; done: () => Promise<void> }>, number]> = [
  ["in-memory", "in-memory", async () => ({ env: {}, done: async () => undefined }), 300],
  [
    "graphql-postgres",
    "graphql-postgres",
    async () => {
      const db = await createTestDatabase()
      return { env: { DATABASE_URL: db.url }, done: () => db.drop() }
    },
    200
  ],
  [
    "graphql-kafka, one process",
    "graphql-kafka",
    async () => {
      const settings = testSettings("bench-transfers", { consumer: Effect.runSync(kafkaSettings).consumer })
      return { env: envOf(settings), done: () => dropTestData(settings) }
    },
    200
  ]
]
const only = process.env["BENCH_ONLY"]?.split(",")
for (const [name, project, setUp, rate] of deployments) {
  if (only !== undefined && !only.some((o) => name.startsWith(o))) continue
  const { env, done } = await setUp()
  const server = await startProjectProcess(project, port, { ...env, ...quiet })
  try {
    const ratios = await measure(name, server.url, rate)
    const median = quantile(Float64Array.from(ratios).sort(), 0.5)
    summary.push(`${name}: transfers/s ÷ debits/s = ${ratios.map((r) => r.toFixed(2)).join(", ")} (median ${median.toFixed(2)})`)
  } finally {
    await server.stop()
    await done()
  }
}
console.log(`\n${summary.join("\n")}`)
process.exit(0)
