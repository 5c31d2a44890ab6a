import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "@low/postgres/testing"
import { errorCode, gql } from "@low/testing"
import { accepted, allTransactions } from "@low/testing/conformance/expectations"
import { documents, makeApi, makeIds } from "@low/testing/conformance/fixtures"
import { fundedWallets, settleTransfers, transferLoad } from "@low/testing/transfer-ledger"
import { startServerProcess, type ServerProcess } from "./testing/server-process"

let database: TestDatabase
let server: ServerProcess | undefined
const api = makeApi(() => server!.url)
const ids = makeIds()

beforeAll(async () => {
  database = await createTestDatabase()
  server = await startServerProcess(database.url)
})
afterAll(async () => {
  await server?.stop("SIGKILL")
  await database?.drop()
})

type Outcome = "acknowledged" | "refused" | "unknown"

describe("a crash of graphql-postgres", () => {
  it("given a stream of credits, when the server is killed with SIGKILL and restarted, then every acknowledged credit is there exactly once", {
    timeout: 240_000
  }, async () => {
    const id = ids.wallet()
    accepted(await api.openWallet({ id, commandId: ids.command() }), "openWallet")
    const outcomes = new Map<string, Outcome>()
    const target = server!
    let killed = false
    // Eight writers keep credits in flight, so the kill lands in the middle of some of them.
    const writer = async () => {
      while (!killed) {
        const commandId = ids.command()
        outcomes.set(commandId, "unknown")
        try {
          const response = await gql(target.url, documents.CREDIT, { walletId: id, amount: 1, commandId })
          outcomes.set(commandId, errorCode(response) === undefined ? "acknowledged" : "refused")
        } catch {
          return // the connection died with the server: the outcome stays unknown
        }
      }
    }
    const writers = Array.from({ length: 8 }, writer)
    const acknowledged = () => [...outcomes.values()].filter((o) => o === "acknowledged").length
    const deadline = Date.now() + 60_000
    while (acknowledged() < 300 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    await target.stop("SIGKILL")
    killed = true
    await Promise.all(writers)
    expect(acknowledged()).toBeGreaterThanOrEqual(300)

    server = await startServerProcess(database.url)
    const history = await allTransactions(api, id)
    const seen = new Map<string, number>()
    for (const t of history) seen.set(t.commandId, (seen.get(t.commandId) ?? 0) + 1)
    for (const [commandId, outcome] of outcomes) {
      if (outcome === "acknowledged") expect(seen.get(commandId), commandId).toBe(1)
      if (outcome === "refused") expect(seen.get(commandId), commandId).toBeUndefined()
      if (outcome === "unknown") expect(seen.get(commandId) ?? 0).toBeLessThanOrEqual(1)
    }
    expect(accepted(await api.wallet(id), "wallet")).toMatchObject({ balance: history.length, version: history.length + 1 })

    // A client retries what it never heard back about, with the same commandId: each lands exactly once.
    const unknown = [...outcomes].filter(([, o]) => o === "unknown").map(([commandId]) => commandId)
    expect(unknown.length).toBeGreaterThan(0)
    for (const commandId of unknown) accepted(await api.credit(id, 1, commandId), "credit")
    const after = await allTransactions(api, id)
    expect(after.length).toBe(history.length + unknown.filter((c) => !seen.has(c)).length)
    expect(new Set(after.map((t) => t.commandId)).size).toBe(after.length)
    expect(accepted(await api.wallet(id), "wallet").balance).toBe(after.length)
  })

  it("given transfers in flight among six wallets, when the server is killed with SIGKILL and restarted, then every transfer ends, each step once, and the money is all there", {
    timeout: 240_000
  }, async () => {
    const wallets = await fundedWallets(api, ids)
    const target = server!
    // Eight writers keep transfers in flight, so the kill lands mid-saga; each stops when its connection dies.
    const load = transferLoad([api], ids, wallets, { stopOnDrop: true })
    await load.reach(100, 60_000)
    await target.stop("SIGKILL")
    await load.stop()

    server = await startServerProcess(database.url)
    // The client retries what it never heard back about, with the same commandId: each answers with its transfer, ended.
    expect([...load.sent.values()].filter((t) => t.outcome === "unknown").length).toBeGreaterThan(0)
    await settleTransfers(api, wallets, load, 6_000)
  })
})
