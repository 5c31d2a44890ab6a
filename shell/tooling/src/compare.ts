// `pnpm compare [--projects a,b] [--wallets N] [--duration S] [--rate R | --connections C] [--mix c:d:i:t]
// [--trace-ratio F]`: one GraphQL workload against each project in turn, its correctness read back, where the time
// of its traced mutations went, and a report side by side.
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { startProjectProcess } from "./bench/server-process"
import { drive } from "./compare/drive"
import { post } from "./compare/graphql"
import { parseCompareArgs, type CompareOptions } from "./compare/options"
import { stageTable, table, writeReports } from "./compare/report"
import { summarize, type ProjectResult } from "./compare/summary"
import { startTraceCollector, type TraceCollector } from "./compare/tracing"
import { verify } from "./compare/verify"
import { initialBalance, makeWorkload, walletIds } from "./compare/workload"

const projectExists = (name: string) => existsSync(fileURLToPath(new URL(`../../../projects/${name}/src/main.ts`, import.meta.url)))

let stopLoad = () => {}
let stopServer = async () => {}
process.once("SIGINT", () => {
  process.stdout.write("\nstopping…\n")
  stopLoad()
  void stopServer().then(() => process.exit(130))
})

const live = (project: string, seconds: number) => {
  const started = Date.now()
  return (done: number) => {
    if (!process.stdout.isTTY) return
    const elapsed = Math.min(seconds, (Date.now() - started) / 1000)
    const filled = Math.round((elapsed / seconds) * 30)
    process.stdout.write(
      `\r${project.padEnd(18)} [${"#".repeat(filled)}${" ".repeat(30 - filled)}] ${elapsed.toFixed(0)}/${seconds} s · ${done} answers`
    )
  }
}

const openWallets = async (url: string, ids: ReadonlyArray<string>) => {
  for (let i = 0; i < ids.length; i += 25)
    await Promise.all(
      ids.slice(i, i + 25).map(async (id) => {
        await post(url, `mutation { openWallet(owner: "compare", id: "${id}", commandId: "${id}-open") { id } }`)
        await post(url, `mutation { credit(walletId: "${id}", amount: ${initialBalance}, commandId: "${id}-fund") { id } }`)
      })
    )
}

const runProject = async (
  project: string,
  port: number,
  options: CompareOptions,
  traces: TraceCollector | undefined
): Promise<ProjectResult> => {
  const run = `cmp${Date.now().toString(36)}`
  console.log(`${project}: starting`)
  const server = await startProjectProcess(project, port, traces?.env)
  stopServer = server.stop
  try {
    const ids = walletIds(run, options.wallets)
    await openWallets(server.url, ids)
    const driven = await drive(server.url, options, makeWorkload(run, options), live(project, options.seconds), (stop) => {
      stopLoad = stop
    })
    if (process.stdout.isTTY) process.stdout.write("\n")
    await traces?.settled()
    console.log(`${project}: checking the final state`)
    return summarize(project, driven, await verify(server.url, ids, driven), traces?.breakdown(driven.latencyOf))
  } finally {
    await server.stop()
  }
}

const failedToRun = (project: string, error: unknown): ProjectResult => ({
  project,
  requests: 0,
  seconds: 0,
  mutationsPerSecond: 0,
  latencyMs: { mean: 0, p50: 0, p95: 0, p99: 0, max: 0 },
  curve: [],
  codes: {},
  correctness: { ok: false, checkedWallets: 0, checkedInvites: 0, checkedTransfers: 0, failures: [String(error)] },
  error: String(error)
})

const options = (() => {
  try {
    return parseCompareArgs(process.argv.slice(2))
  } catch (error) {
    console.error(String(error instanceof Error ? error.message : error))
    return process.exit(2)
  }
})()
const unknown = options.projects.filter((p) => !projectExists(p))
if (unknown.length > 0) {
  console.error(`No project ${unknown.join(", ")} under projects/.`)
  process.exit(2)
}

const traces = options.traceRatio > 0 ? await startTraceCollector(options.traceRatio) : undefined
const results: Array<ProjectResult> = []
for (const [i, project] of options.projects.entries())
  results.push(await runProject(project, 4800 + i, options, traces).catch((error) => failedToRun(project, error)))
await traces?.close()

console.log(`\n${table(results)}\n\n${stageTable(results)}\n`)
const files = await writeReports(options, results)
console.log(`report: ${files.html}\nfigures: ${files.json}`)
process.exit(results.every((r) => r.correctness.ok && r.error === undefined) ? 0 : 1)
