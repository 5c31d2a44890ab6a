// `bash shell/tooling/bench-same-core.sh <other checkout> [rounds] [rate] [deployment]`: a project's server of this
// checkout and of another (say, a worktree of the last release) on one core at the same time, under the same paced
// load from one generator on the other core, compared by the server CPU each spends per mutation. The deployment is
// `in-memory` (the default), `graphql-kafka` (every role in one process) or `graphql-kafka-split` (a bff and a
// handler/projector process per side, their CPU summed); each graphql-kafka side has topics, groups and Redis keys of
// its own, on the one broker (wherever the machine runs it: both sides share it alike).
//
// Two servers on two cores meet cores of different speeds (one shared with the machine's other work), and two
// benches at once meet generators of different speeds; here both servers share one core, one generator drives both,
// and each is offered the same mutations per second, so their CPU per mutation differs by their code alone (two
// servers of the same checkout differ by about 1 %).
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { resolve } from "node:path"
import autocannon from "autocannon"
import { post } from "../compare/graphql"
import { root } from "../build"
import { graphqlLoad, type GraphqlRequest } from "./load"
import { Effect } from "effect"
import { kafkaSettings } from "@low/kafka"
import { dropTestData, envOf, requireServices, testSettings } from "@low/kafka/testing"
import { awaitHealthy, cpuMillis } from "./server-process"

const deployments = ["in-memory", "graphql-kafka", "graphql-kafka-split"] as const
const [otherArg, roundsArg = "6", rateArg = "1200", deployment = "in-memory"] = process.argv.slice(2)
if (otherArg === undefined || !(deployments as ReadonlyArray<string>).includes(deployment)) {
  console.error(
    `usage: bash shell/tooling/bench-same-core.sh <other checkout> [rounds] [mutations/s offered to each] [${deployments.join(" | ")}]`
  )
  process.exit(2)
}
const project = deployment === "in-memory" ? "in-memory" : "graphql-kafka"
const sides = [
  { name: "here", checkout: root, port: 4731 },
  { name: "there", checkout: resolve(otherArg), port: 4732 }
] as const
const rounds = Number(roundsArg)
const rate = Number(rateArg)
const serverCore = process.env["BENCH_SERVER_CORE"] ?? "1"
const wallets = 1000
const seconds = 12
// The consumers of a graphql-kafka server need longer than the JIT to settle.
const warmSeconds = project === "in-memory" ? 2 : 5
const connections = Number(process.env["BENCH_CONNECTIONS"] ?? 16)
// Options for the servers' node, e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/profiles".
const nodeArgs = (process.env["BENCH_NODE_ARGS"] ?? "").split(" ").filter((arg) => arg !== "")

if (project !== "in-memory") await requireServices()
// Each checkout's server, built by that checkout's own build.
for (const { checkout } of sides) {
  const built = spawnSync(process.execPath, ["--import", "tsx", "shell/tooling/src/start.ts", project], {
    cwd: checkout,
    stdio: "inherit"
  })
  if (built.status !== 0) throw new Error(`the ${project} project in ${checkout} did not build`)
}

const run = (checkout: string, env: Record<string, string>, args: ReadonlyArray<string> = []) =>
  spawn("taskset", ["-c", serverCore, process.execPath, ...nodeArgs, `projects/${project}/dist/main.js`, ...args], {
    cwd: checkout,
    env: { ...process.env, LOG_LEVEL: "Warning", ...env },
    stdio: "inherit"
  })

/**
 * One side's processes: the server that answers on `port` first. A graphql-kafka side gets topics, groups and Redis
 * keys of its own and the consumer settings of production; `drop` deletes them.
 */
const start = (name: string, checkout: string, port: number) => {
  if (project === "in-memory") return { server: run(checkout, { PORT: String(port) }), others: [], drop: async () => undefined }
  const settings = testSettings(`same-core-${name}`, { consumer: Effect.runSync(kafkaSettings).consumer })
  const env = { ...envOf(settings), PORT: String(port) }
  const split = deployment === "graphql-kafka-split"
  return {
    server: run(checkout, split ? { ...env, ROLE: "bff" } : env),
    others: split ? [run(checkout, env, ["--role", "handler,projector"])] : [],
    drop: () => dropTestData(settings)
  }
}

const credit = "mutation Credit($walletId: ID!, $amount: Int!) { credit(walletId: $walletId, amount: $amount) { balance } }"
const debit = "mutation Debit($walletId: ID!, $amount: Int!) { debit(walletId: $walletId, amount: $amount) { balance } }"

/** Opens and funds the wallets; a mutation that fails stops the bench. */
const prepare = async (url: string) => {
  const mutate = async (query: string) => {
    const answer = await post(url, query)
    if (answer.errors !== undefined) throw new Error(`${query}: ${JSON.stringify(answer.errors)}`)
  }
  for (let i = 0; i < wallets; i += 50)
    await Promise.all(
      Array.from({ length: 50 }, async (_, j) => {
        await mutate(`mutation { openWallet(owner: "bench", id: "w${i + j}") { id } }`)
        await mutate(`mutation { credit(walletId: "w${i + j}", amount: 1000000000) { id } }`)
      })
    )
}

/** Credits and debits, alternating, over the wallets, `rate` a second for `seconds`. */
const load = (url: string, seconds: number) => {
  let failed = 0
  const request = (n: number): GraphqlRequest => ({
    query: n % 2 === 0 ? credit : debit,
    variables: { walletId: `w${(n * 7919) % wallets}`, amount: 1 + (n % 100) }
  })
  const options = graphqlLoad({ url, connections, seconds, rate }, request, (body) => {
    if (body.includes('"errors"')) failed++
  })
  return autocannon(options).then((result) => ({ mutations: result.requests.total, failed: failed + result.non2xx + result.errors }))
}

console.log(`| round | mutations here | there | server CPU µs/mutation here | there | here / there |`)
console.log(`|---:|---:|---:|---:|---:|---:|`)
const ratios: Array<number> = []
for (let round = 1; round <= rounds; round++) {
  // Which starts first alternates.
  const ordered = round % 2 === 1 ? sides : ([sides[1], sides[0]] as const)
  const servers = ordered.map((side) => {
    const processes = start(side.name, side.checkout, side.port)
    return { ...side, ...processes, children: [processes.server, ...processes.others] }
  })
  /** A side's CPU milliseconds so far, all its processes together. */
  const cpu = (children: ReadonlyArray<ChildProcess>) => children.reduce((sum, child) => sum + cpuMillis(child.pid!), 0)
  try {
    await Promise.all(servers.map(({ name, port, server }) => awaitHealthy(`the server ${name}`, port, server, 60_000, 100)))
    await Promise.all(servers.map(({ port }) => prepare(`http://127.0.0.1:${port}/graphql`)))
    // The same load first, so both are measured warm.
    const warm = await Promise.all(servers.map(({ port }) => load(`http://127.0.0.1:${port}/graphql`, warmSeconds)))
    if (warm.some(({ failed }) => failed > 0)) throw new Error("mutations failed while warming up")
    const before = servers.map(({ children }) => cpu(children))
    const results = await Promise.all(servers.map(({ port }) => load(`http://127.0.0.1:${port}/graphql`, seconds)))
    const perMutation = servers.map(({ children }, i) => ((cpu(children) - before[i]!) * 1000) / results[i]!.mutations)
    for (const [i, { name }] of servers.entries())
      if (results[i]!.failed > 0) throw new Error(`${name}: ${results[i]!.failed} mutations failed`)
    const [here, there] = sides.map(({ name }) => servers.findIndex((s) => s.name === name)) as [number, number]
    const ratio = perMutation[here]! / perMutation[there]!
    ratios.push(ratio)
    console.log(
      `| ${round} | ${results[here]!.mutations} | ${results[there]!.mutations} | ${perMutation[here]!.toFixed(0)} | ${perMutation[there]!.toFixed(0)} | ${ratio.toFixed(3)} |`
    )
  } finally {
    await Promise.all(
      servers
        .flatMap(({ children }) => children)
        .map((child) => new Promise((done) => (child.exitCode !== null ? done(null) : (child.once("exit", done), child.kill("SIGTERM")))))
    )
    await Promise.all(servers.map(({ drop }) => drop()))
  }
}
const geometricMean = Math.exp(ratios.reduce((sum, r) => sum + Math.log(r), 0) / ratios.length)
console.log(
  `\ngeometric mean, here / there: server CPU per mutation ${geometricMean.toFixed(3)} (${deployment}, ${rate} mutations/s offered to each)`
)
process.exit(0)
