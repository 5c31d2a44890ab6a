import { afterAll, beforeAll, describe, it } from "vitest"
import { namesOf } from "@low/kafka"
import { dropTestData, membersOf, privateRedis, requireServices, testAdmin, testSettings } from "@low/kafka/testing"
import { eventually, listening } from "@low/testing"
import { makeApi, makeIds } from "@low/testing/conformance/fixtures"
import { fundedWallets, settleTransfers, transferLoad } from "@low/testing/transfer-ledger"
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

describe("graphql-kafka transfers over two bffs, a handler, a projector and a process manager, each its own process", () => {
  it("given transfers in flight among six wallets, when the process manager and then the handler are killed with SIGKILL and started again, then every transfer ends, each step once, and the money is all there", {
    timeout: 300_000
  }, async () => {
    const wallets = await fundedWallets(apis[0]!, ids)
    const running = transferLoad(apis, ids, wallets)
    const { reach } = running
    await reach(40)
    await processes.get("manager")!.stop("SIGKILL")
    start("manager", ["process-manager"])
    await reach(80)
    await processes.get("handler")!.stop("SIGKILL")
    start("handler", ["handler"])
    await reach(120)
    await running.stop()

    await settleTransfers(apis[1]!, wallets, running, 6_000)
  })

  it("given transfers in flight, when Redis is killed and started again empty, then the process manager's commands wait for the catch-up, and every transfer ends, each step once", {
    timeout: 300_000
  }, async () => {
    const wallets = await fundedWallets(apis[0]!, ids)
    const running = transferLoad(apis, ids, wallets)
    await running.reach(30)
    await redis.restartEmpty()
    const before = running.acknowledged()
    await running.reach(before + 30)
    await running.stop()
    await settleTransfers(apis[1]!, wallets, running, 6_000)
  })
})
