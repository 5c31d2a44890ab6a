import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "@low/postgres/testing"
import { errorCode } from "@low/testing"
import { accepted, allTransactions, tally } from "@low/testing/conformance/expectations"
import { makeApi, makeIds } from "@low/testing/conformance/fixtures"
import { expectTransfersSettled } from "@low/testing/transfer-ledger"
import { startServerProcess, type ServerProcess } from "./testing/server-process"

let database: TestDatabase
let instances: ReadonlyArray<ServerProcess> = []
const apis = [0, 1].map((i) => makeApi(() => instances[i]!.url))
const ids = makeIds()

beforeAll(async () => {
  database = await createTestDatabase()
  // Both start at once on a fresh database: the schema migration runs once, under its lock.
  instances = await Promise.all([startServerProcess(database.url), startServerProcess(database.url)])
})
afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()))
  await database?.drop()
})

describe("two instances of graphql-postgres on one database", () => {
  it("given a balance of 500, when 1000 debits of 1 are spread over both instances at once, then exactly 500 succeed", {
    timeout: 180_000
  }, async () => {
    const id = ids.wallet()
    accepted(await apis[0]!.openWallet({ id, commandId: ids.command() }), "openWallet")
    accepted(await apis[1]!.credit(id, 500, ids.command()), "credit")
    const responses = await Promise.all(Array.from({ length: 1000 }, (_, i) => apis[i % 2]!.debit(id, 1, ids.command())))
    expect(tally(responses.map((r) => errorCode(r) ?? "OK"))).toEqual({ OK: 500, INSUFFICIENT_FUNDS: 500 })
    for (const api of apis) expect(accepted(await api.wallet(id), "wallet")).toMatchObject({ balance: 0, version: 502 })
    const debits = (await allTransactions(apis[1]!, id)).filter((t) => t.kind === "DEBIT")
    expect(debits).toHaveLength(500)
    expect(new Set(debits.map((t) => t.balanceAfter))).toEqual(new Set(Array.from({ length: 500 }, (_, i) => i)))
  })

  it("given one email, when 100 invitations of it are spread over both instances at once, then exactly one succeeds", {
    timeout: 120_000
  }, async () => {
    const email = ids.email("two")
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => apis[i % 2]!.invite(i % 3 === 0 ? ` ${email.toUpperCase()}` : email, ids.command()))
    )
    expect(tally(responses.map((r) => errorCode(r) ?? "OK"))).toEqual({ OK: 1, ALREADY_INVITED: 99 })
    const winner = responses.map((r) => r.body.data?.inviteCustomer).find((c) => c != null)
    for (const api of apis) expect(accepted(await api.customerByEmail(email), "customerByEmail").id).toBe(winner?.id)
  })

  it("given a write on one instance, when the other reads right after the answer, then it sees the write", {
    timeout: 60_000
  }, async () => {
    const id = ids.wallet()
    accepted(await apis[0]!.openWallet({ id, commandId: ids.command() }), "openWallet")
    for (let i = 1; i <= 20; i++) {
      accepted(await apis[i % 2]!.credit(id, 1, ids.command()), "credit")
      expect(accepted(await apis[(i + 1) % 2]!.wallet(id), "wallet").balance).toBe(i)
    }
  })

  it("given four wallets, when transfers among them in both directions are spread over both instances, then every one ends on either instance and the money is all there", {
    timeout: 120_000
  }, async () => {
    const wallets = Array.from({ length: 4 }, () => ids.wallet())
    for (const id of wallets) {
      accepted(await apis[0]!.openWallet({ id, commandId: ids.command() }), "openWallet")
      accepted(await apis[1]!.credit(id, 100, ids.command()), "credit")
    }
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        apis[i % 2]!.transfer(wallets[i % 4]!, wallets[(i + 1 + (i % 3)) % 4]!, 1 + (i % 9), ids.command())
      )
    )
    const answers = responses.map((r) => r.body.data?.transfer.status ?? errorCode(r) ?? "none")
    for (const answer of answers) expect(["COMPLETED", "INSUFFICIENT_FUNDS"]).toContain(answer)
    const done = responses.flatMap((r) => (r.body.data == null ? [] : [r.body.data.transfer.id]))
    // Each instance reads every transfer the other answered, ended.
    for (const id of done.slice(0, 20))
      for (const api of apis) expect(accepted(await api.transferById(id), "transfer").status).toBe("COMPLETED")
    const settled = await expectTransfersSettled(apis[0]!, wallets, 400)
    expect(settled.COMPLETED).toBe(tally(answers)["COMPLETED"])
  })
})
