import { spawnSync } from "node:child_process"
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

describe("pnpm compare", () => {
  it("given a short workload, when comparing every project, then it writes the JSON and HTML reports and finds each final state correct", () => {
    const out = mkdtempSync(join(tmpdir(), "compare-"))
    const run = spawnSync(
      "npx",
      ["-y", "pnpm@10.34.8", "compare", "--projects", projects.join(","), "--duration", "3", "--wallets", "10", "--out", out],
      { cwd: root, encoding: "utf8", timeout: 600_000 }
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
      expect(result.requests).toBeGreaterThan(0)
      expect(result.codes["OK"]).toBeGreaterThan(0)
    }
    const page = readFileSync(join(out, html!), "utf8")
    for (const project of projects) expect(page).toContain(project)
    expect(page).toContain("<svg")
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
        codes: { OK: 1 },
        accepted: [{ sent: { kind: "credit", commandId: `${id}-lost`, walletId: id, amount: 5, email: "" } }]
      }
      const verdict = await verify(server.url, [id], driven)
      expect(verdict.ok).toBe(false)
      expect(verdict.failures).toContain(`${id}: accepted ${id}-lost not written`)
    })
  })
})
