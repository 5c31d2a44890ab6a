import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startProjectProcess } from "../bench/server-process"
import type { Driven } from "./drive"
import { post } from "./graphql"
import type { ProjectResult } from "./summary"
import { verify } from "./verify"
import { initialBalance } from "./workload"

const root = fileURLToPath(new URL("../../../../", import.meta.url))
const projects = ["in-memory", "graphql-postgres", "graphql-kafka"]
// The projects whose traces reach the executor's spans from the HTTP request.
const executorSpansIn = ["in-memory", "graphql-postgres", "graphql-kafka"]

/**
 * Runs a command to its end without holding up this process (a test worker that does not answer its runner for a
 * minute fails the run), with what it printed and its exit status; killed after `timeoutMs`.
 */
const runToEnd = (command: string, args: ReadonlyArray<string>, timeoutMs: number) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { cwd: root })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("close", (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })

describe("pnpm compare", () => {
  it("given a short workload, when comparing every project, then it writes the JSON and HTML reports, finds each final state correct and shows where the time of the traced mutations went", async () => {
    const out = mkdtempSync(join(tmpdir(), "compare-"))
    const run = await runToEnd(
      "npx",
      ["-y", "pnpm@10.34.8", "compare", "--projects", projects.join(","), "--duration", "3", "--wallets", "10", "--out", out],
      600_000
    )
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/project\s+mutations\/s\s+p50 ms\s+p95 ms\s+p99 ms/)
    const files = readdirSync(out)
    const json = files.find((f) => f.endsWith(".json"))
    const html = files.find((f) => f.endsWith(".html"))
    expect(json).toBeDefined()
    expect(html).toBeDefined()
    const report = JSON.parse(readFileSync(join(out, json!), "utf8")) as { results: Array<ProjectResult> }
    expect(report.results.map((r) => r.project)).toEqual(projects)
    for (const result of report.results) {
      expect(result.error).toBeUndefined()
      expect(result.correctness.failures).toEqual([])
      expect(result.correctness.ok).toBe(true)
      expect(result.correctness.checkedWallets).toBe(10)
      // The default mix has transfers: each one checked as one debit and one credit.
      expect(result.correctness.checkedTransfers).toBeGreaterThan(0)
      expect(result.requests).toBeGreaterThan(0)
      expect(result.codes["OK"]).toBeGreaterThan(0)
      const breakdown = result.stages!
      expect(breakdown, result.project).toBeDefined()
      expect(breakdown.traces).toBeGreaterThan(0)
      for (const { stage, ms } of breakdown.stages) expect(ms, `${result.project} ${stage}`).toBeGreaterThan(0)
      const sum = breakdown.stages.reduce((total, { ms }) => total + ms, 0)
      expect(Math.abs(sum - breakdown.meanMs), `${result.project}: stages add up to ${sum}, mean ${breakdown.meanMs}`).toBeLessThan(0.05)
      expect(breakdown.serverMs).toBeGreaterThan(0)
      expect(breakdown.serverMs).toBeLessThanOrEqual(breakdown.meanMs)
      expect(breakdown.meanMs).toBeLessThanOrEqual(result.latencyMs.max + 1)
    }
    const met = (project: string) => report.results.find((r) => r.project === project)!.stages!.stages.map((s) => s.stage)
    for (const project of executorSpansIn)
      expect(met(project)).toEqual(expect.arrayContaining(["lock & retries", "lookup", "operate", "commit"]))
    expect(met("in-memory")).toEqual(expect.arrayContaining(["queue/wait", "projection"]))
    const page = readFileSync(join(out, html!), "utf8")
    for (const project of projects) expect(page).toContain(project)
    // Four charts drawn in the page (throughput, latency, and the stages from the load's side and in the server).
    expect(page.match(/<svg/g)?.length).toBe(4)
    expect(page).toContain("ms per mutation in the server")
    // Nothing to fetch: the report works offline.
    expect(page).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/)/)
  }, 900_000)

  describe("the correctness check", () => {
    let server: Awaited<ReturnType<typeof startProjectProcess>>
    beforeAll(async () => {
      server = await startProjectProcess("in-memory", 4890)
    }, 120_000)
    afterAll(() => server.stop())

    it("given a credit the load counted as accepted that the server never applied, when verifying, then the final state is reported wrong", async () => {
      const id = `verify-${Date.now()}`
      await post(server.url, `mutation { openWallet(owner: "v", id: "${id}") { id } }`)
      await post(server.url, `mutation { credit(walletId: "${id}", amount: ${initialBalance}) { id } }`)
      const driven: Driven = {
        seconds: 1,
        latencies: [1],
        latencyOf: new Map(),
        codes: { OK: 1 },
        accepted: [{ sent: { kind: "credit", commandId: `${id}-lost`, walletId: id, toWalletId: "", amount: 5, email: "" } }]
      }
      const verdict = await verify(server.url, [id], driven)
      expect(verdict.ok).toBe(false)
      expect(verdict.failures).toContain(`${id}: accepted ${id}-lost not written`)
    })

    it("given a transfer the load counted as COMPLETED that the server refunded, when verifying, then its steps and both balances are reported wrong", async () => {
      const [from, to] = [`verify-from-${Date.now()}`, `verify-to-${Date.now()}`]
      for (const id of [from, to]) {
        await post(server.url, `mutation { openWallet(owner: "v", id: "${id}") { id } }`)
        await post(server.url, `mutation { credit(walletId: "${id}", amount: ${initialBalance}) { id } }`)
      }
      const answer = await post(
        server.url,
        `mutation { transfer(fromWalletId: "${from}", toWalletId: "${from}-nowhere", amount: 7, commandId: "t") { id status } }`
      )
      const transfer = answer.data?.["transfer"] as { id: string; status: string }
      expect(transfer.status).toBe("FAILED")
      const driven: Driven = {
        seconds: 1,
        latencies: [1],
        latencyOf: new Map(),
        codes: { OK: 1 },
        accepted: [
          {
            sent: { kind: "transfer", commandId: "t", walletId: from, toWalletId: to, amount: 7, email: "" },
            transfer: { ...transfer, status: "COMPLETED" }
          }
        ]
      }
      const verdict = await verify(server.url, [from, to], driven)
      expect(verdict.failures).toContain(`transfer ${transfer.id} (COMPLETED): steps CREDIT ${from}, DEBIT ${from}`)
      expect(verdict.failures).toContain(`${to}: balance ${initialBalance}, accepted commands give ${initialBalance + 7}`)
      // As it happened (FAILED), it is right: the money came back.
      const truth = await verify(server.url, [from, to], { ...driven, accepted: [{ ...driven.accepted[0]!, transfer }] })
      expect(truth).toMatchObject({ ok: true, checkedTransfers: 1 })
    })
  })
})
