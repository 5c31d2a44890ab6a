import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { namesOf } from "@low/kafka"
import { dropTestData, membersOf, privateRedis, requireServices, testAdmin, testSettings } from "@low/kafka/testing"
import { errorCode, eventually, listening } from "@low/testing"
import { accepted } from "@low/testing/conformance/expectations"
import { makeApi, makeIds } from "@low/testing/conformance/fixtures"
import { expectTransfersSettled } from "@low/testing/transfer-ledger"
import { startProcess, type KafkaProcess } from "./testing/processes"

// Its own Redis, killed and started again empty in the second test, as a Redis that keeps nothing on disk restarts.
const redis = await privateRedis()

const settings = testSettings("transfers", { redisUrl: redis.url })
const names = namesOf(settings)
const group = names.processManagerGroup("transfer")
let admin: Awaited<ReturnType<typeof testAdmin>> | undefined
const processes = new Map<string, KafkaProcess>()
const urls: Array<string> = []
const apis = [0, 1].map((i) => makeApi(() => urls[i]!))
const ids = makeIds()
// Replies are kept 1.5 s: a command waiting longer than that while its handler is down is stale when it is read.
const env = { REPLY_TTL_MS: "1500" }

const start = (name: string, roles: Parameters<typeof startProcess>[1]) => processes.set(name, startProcess(settings, roles, name, env))

const members = (groupId: string) => membersOf(admin!, groupId).then((m) => m.length)
const joined = (groupId: string, what: string) =>
  eventually(
    () =>
      members(groupId).then(
        (n) => n === 1,
        () => false
      ),
    { what, withinMs: 120_000, everyMs: 200 }
  )

beforeAll(async () => {
  await requireServices()
  admin = await testAdmin(settings)
  start("bff-1", ["bff"])
  start("bff-2", ["bff"])
  start("handler", ["handler"])
  start("projector", ["projector"])
  start("manager", ["process-manager"])
  urls.push(await listening(processes.get("bff-1")!), await listening(processes.get("bff-2")!))
  await joined(names.handlersGroup, "the handler in its group")
  await joined(group, "the process manager in its group")
}, 240_000)

afterAll(async () => {
  await Promise.all([...processes.values()].map((p) => p.stop()))
  await admin?.disconnect()
  await dropTestData(settings)
  await redis.stop()
}, 120_000)

type Outcome = "acknowledged" | "refused" | "unknown"

/**
 * Eight writers sending transfers among `wallets` over both bffs (one in seven to a wallet never opened) until
 * stopped; a client tries again, with the same commandId, what timed out or was unavailable, as the contract allows.
 */
const load = (wallets: ReadonlyArray<string>) => {
  const sent = new Map<string, { readonly from: string; readonly to: string; readonly amount: number; outcome: Outcome }>()
  let stopped = false
  let n = 0
  const writer = async () => {
    while (!stopped) {
      const i = n++
      const from = wallets[i % 6]!
      const to = i % 7 === 0 ? ids.wallet() : wallets[(i * 5 + 1) % 6] === from ? wallets[(i + 1) % 6]! : wallets[(i * 5 + 1) % 6]!
      const transfer = { from, to, amount: 1 + (i % 20), outcome: "unknown" as Outcome }
      const commandId = ids.command()
      sent.set(commandId, transfer)
      const response = await apis[i % 2]!.transfer(from, to, transfer.amount, commandId).catch(() => undefined)
      if (response !== undefined) transfer.outcome = errorCode(response) === undefined ? "acknowledged" : "refused"
    }
  }
  const acknowledged = () => [...sent.values()].filter((t) => t.outcome === "acknowledged").length
  const writers = Array.from({ length: 8 }, writer)
  return {
    sent,
    acknowledged,
    reach: (count: number) => eventually(() => acknowledged() >= count, { what: `${count} transfers acknowledged`, withinMs: 120_000 }),
    stop: async () => {
      stopped = true
      await Promise.all(writers)
    }
  }
}

/** Every transfer sent is settled by its commandId, then every one the wallets name has ended, once, money whole. */
const settle = async (wallets: ReadonlyArray<string>, { sent, acknowledged }: ReturnType<typeof load>) => {
  for (const [commandId, t] of sent)
    if (t.outcome !== "acknowledged") {
      const response = await apis[0]!.transfer(t.from, t.to, t.amount, commandId)
      if (errorCode(response) === undefined) expect(["COMPLETED", "FAILED"]).toContain(accepted(response, "transfer").status)
      else expect(errorCode(response)).toBe("INSUFFICIENT_FUNDS")
    }
  const settled = await expectTransfersSettled(apis[1]!, wallets, 6_000)
  expect(settled.COMPLETED + settled.FAILED).toBeGreaterThanOrEqual(acknowledged())
  expect(settled.FAILED).toBeGreaterThan(0)
}

/** Six wallets with 1000 each. */
const funded = async () => {
  const wallets = Array.from({ length: 6 }, () => ids.wallet())
  for (const id of wallets) {
    accepted(await apis[0]!.openWallet({ id, commandId: ids.command() }), "openWallet")
    accepted(await apis[1]!.credit(id, 1_000, ids.command()), "credit")
  }
  return wallets
}

describe("graphql-kafka transfers over two bffs, a handler, a projector and a process manager, each its own process", () => {
  it("given transfers in flight among six wallets, when the process manager and then the handler are killed with SIGKILL and started again, then every transfer ends, each step once, and the money is all there", {
    timeout: 300_000
  }, async () => {
    const wallets = await funded()
    const running = load(wallets)
    const { reach } = running
    await reach(40)
    await processes.get("manager")!.stop("SIGKILL")
    start("manager", ["process-manager"])
    await reach(80)
    await processes.get("handler")!.stop("SIGKILL")
    start("handler", ["handler"])
    await reach(120)
    await running.stop()

    await settle(wallets, running)
  })

  it("given transfers in flight, when Redis is killed and started again empty, then the process manager's commands wait for the catch-up, and every transfer ends, each step once", {
    timeout: 300_000
  }, async () => {
    const wallets = await funded()
    const running = load(wallets)
    await running.reach(30)
    await redis.restartEmpty()
    const before = running.acknowledged()
    await running.reach(before + 30)
    await running.stop()
    await settle(wallets, running)
  })
})
