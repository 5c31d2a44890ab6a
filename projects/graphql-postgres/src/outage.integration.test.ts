import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startServer, type RunningServer } from "@low/graphql"
import { createTestDatabase, type TestDatabase } from "@low/postgres/testing"
import { errorCode, errorExtensions, gql } from "@low/testing"
import { accepted } from "@low/testing/conformance/expectations"
import { documents, makeApi, makeIds } from "@low/testing/conformance/fixtures"
import { testDomains } from "./testing/domains"
import { GraphqlPostgres } from "./main"

let database: TestDatabase
let server: RunningServer
const api = makeApi(() => server.url)
const ids = makeIds()
const healthz = () => fetch(server.url.replace(/\/graphql$/, "/healthz")).then(async (r) => ({ status: r.status, body: await r.json() }))

/** Postgres is gone, as far as the server sees: new connections are refused and the open ones killed. */
const cutOff = async () => {
  await database.allowConnections(false)
  await database.killConnections()
}
const restore = () => database.allowConnections(true)

const eventually = async <A>(probe: () => Promise<A>, ok: (a: A) => boolean, deadlineMs = 20_000): Promise<A> => {
  const end = Date.now() + deadlineMs
  for (;;) {
    const value = await probe()
    if (ok(value) || Date.now() > end) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

beforeAll(async () => {
  database = await createTestDatabase()
  server = await startServer(GraphqlPostgres({ port: 0, databaseUrl: database.url, domains: testDomains }))
})
afterAll(async () => {
  await restore().catch(() => undefined)
  await server?.close()
  await database?.drop()
})

describe("graphql-postgres when Postgres goes away", () => {
  it("given killed connections, when commands keep coming, then they succeed on fresh connections", { timeout: 60_000 }, async () => {
    const id = ids.wallet()
    accepted(await api.openWallet({ id, commandId: ids.command() }), "openWallet")
    await database.killConnections()
    for (let i = 1; i <= 10; i++) accepted(await api.credit(id, 1, ids.command()), "credit")
    expect(accepted(await api.wallet(id), "wallet").balance).toBe(10)
  })

  it("given Postgres unreachable, then /healthz is 503 naming it and a mutation is UNAVAILABLE; once back, the same commandId applies once", {
    timeout: 90_000
  }, async () => {
    const id = ids.wallet()
    accepted(await api.openWallet({ id, commandId: ids.command() }), "openWallet")
    await cutOff()
    try {
      expect(await healthz()).toEqual({ status: 503, body: { status: "unavailable", failing: ["postgres"] } })
      const commandId = ids.command()
      const refused = await gql(server.url, documents.CREDIT, { walletId: id, amount: 5, commandId })
      expect(["UNAVAILABLE", "TIMEOUT"]).toContain(errorCode(refused))
      expect(refused.body.data ?? null).toBeNull()
      const query = await api.wallet(id)
      expect(errorCode(query)).toBe("UNAVAILABLE")
      await restore()
      expect((await eventually(healthz, (h) => h.status === 200)).status).toBe(200)
      accepted(await api.credit(id, 5, commandId), "credit")
      accepted(await api.credit(id, 5, commandId), "credit")
      expect(accepted(await api.wallet(id), "wallet")).toMatchObject({ balance: 5, version: 2 })
    } finally {
      await restore()
    }
  })
  it("given Postgres unreachable, when mutations are refused, then each answer names the commandId to retry with, the one the server made when none was sent, and the retry applies once", {
    timeout: 90_000
  }, async () => {
    const id = ids.wallet()
    accepted(await api.openWallet({ id, commandId: ids.command() }), "openWallet")
    await cutOff()
    try {
      const unnamed = await gql(server.url, documents.CREDIT, { walletId: id, amount: 7 })
      expect(["UNAVAILABLE", "TIMEOUT"]).toContain(errorCode(unnamed))
      const made = errorExtensions(unnamed)["commandId"]
      expect(typeof made).toBe("string")
      const given = ids.command()
      const named = await gql(server.url, documents.CREDIT, { walletId: id, amount: 7, commandId: given })
      expect(["UNAVAILABLE", "TIMEOUT"]).toContain(errorCode(named))
      expect(errorExtensions(named)["commandId"]).toBe(given)
      await restore()
      expect((await eventually(healthz, (h) => h.status === 200)).status).toBe(200)
      accepted(await api.credit(id, 7, made as string), "credit")
      accepted(await api.credit(id, 7, made as string), "credit")
      expect(accepted(await api.wallet(id), "wallet")).toMatchObject({ balance: 7, version: 2 })
    } finally {
      await restore()
    }
  })
})
