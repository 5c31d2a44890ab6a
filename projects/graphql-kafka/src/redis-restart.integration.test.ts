import { afterAll, describe, expect, it } from "vitest"
import { namesOf } from "@low/kafka"
import { privateRedis, readTopic, testSettings } from "@low/kafka/testing"
import { errorCode, eventually, gql, type GraphQLResponse } from "@low/testing"
import { historyOf, walletLog } from "./testing/raw-commands"
import { serveDuringTests } from "./testing/test-server"

// A Redis of this file's own, which it kills and starts again empty, as a Redis that keeps nothing on disk restarts.
const redis = await privateRedis()
const settings = testSettings("redis-restart", { redisUrl: redis.url })
const url = serveDuringTests(settings)
afterAll(() => redis.stop())

/**
 * Sends `query` until its answer is not UNAVAILABLE (the handlers catching up), nor TIMEOUT, and returns that answer:
 * a query sent again after a TIMEOUT names its commandId, so it is the same command.
 */
const once = async (query: string) => {
  let answer: GraphQLResponse<Record<string, unknown>> | undefined
  await eventually(
    async () => {
      answer = await gql(url(), query)
      return errorCode(answer) !== "UNAVAILABLE" && errorCode(answer) !== "TIMEOUT"
    },
    { what: `an answer other than UNAVAILABLE to ${query}`, withinMs: 60_000, everyMs: 100 }
  )
  return answer!
}

describe("graphql-kafka when Redis restarts empty", () => {
  it("given a wallet with a balance and an invited email, when Redis is killed and started empty, then the handlers catch up from the events topics before deciding again: the wallet cannot be opened twice, its balance goes on from where it was, the email stays invited, and /healthz says so meanwhile", {
    timeout: 180_000
  }, async () => {
    expect((await gql(url(), `mutation { openWallet(owner: "Ada", id: "rl1") { id } }`)).body.errors).toBeUndefined()
    expect((await gql(url(), `mutation { credit(walletId: "rl1", amount: 500) { balance } }`)).body.errors).toBeUndefined()
    const invited = await gql(url(), `mutation { inviteCustomer(email: "rl1@example.com") { id } }`)
    expect(invited.body.errors).toBeUndefined()

    await redis.restartEmpty()
    const healthz = new URL("/healthz", url())
    // Until the handlers have their state back, nothing is decided: a new command is UNAVAILABLE, not decided on
    // an empty state (which would open "rl1" a second time, for Eve, at version 1).
    const reopened = await once(`mutation { openWallet(owner: "Eve", id: "rl1") { id } }`)
    expect(errorCode(reopened)).toBe("WALLET_EXISTS")
    expect((await once(`mutation { credit(walletId: "rl1", amount: 1) { balance version } }`)).body).toEqual({
      data: { credit: { balance: 501, version: 3 } }
    })
    const again = await once(`mutation { inviteCustomer(email: " RL1@example.com ") { id } }`)
    expect(errorCode(again)).toBe("ALREADY_INVITED")
    expect(again.body.errors?.[0]?.extensions?.["customerId"]).toBe(
      (invited.body.data as { inviteCustomer: { id: string } }).inviteCustomer.id
    )
    await eventually(async () => (await fetch(healthz)).status === 200, { what: "/healthz 200 again", withinMs: 60_000, everyMs: 100 })
    expect((await gql(url(), `{ wallet(id: "rl1") { owner balance version } }`)).body).toEqual({
      data: { wallet: { owner: "Ada", balance: 501, version: 3 } }
    })
    // The log holds each version of the wallet once: no second "rl1" at version 1.
    const events = await readTopic(settings, namesOf(settings).topic("wallet-events"), 3)
    const ids = events.map(({ value }) => (JSON.parse(value!) as { id: string }).id).filter((id) => id.startsWith("wallet-rl1@"))
    expect(ids.sort()).toEqual(["wallet-rl1@1", "wallet-rl1@2", "wallet-rl1@3"])
  })

  it("given a snapshot of Redis, then a credit, a wallet and an invitation after it, when Redis is killed and brought back from that snapshot (the state mark in it, the last writes not), then the handlers find it is another Redis server and catch up from the events topics before deciding again: nothing is decided twice", {
    timeout: 180_000
  }, async () => {
    expect((await gql(url(), `mutation { openWallet(owner: "Ada", id: "rs1") { id } }`)).body.errors).toBeUndefined()
    expect((await gql(url(), `mutation { credit(walletId: "rs1", amount: 100) { balance } }`)).body.errors).toBeUndefined()
    await redis.snapshot()
    expect((await gql(url(), `mutation { credit(walletId: "rs1", amount: 50) { balance } }`)).body.errors).toBeUndefined()
    expect((await gql(url(), `mutation { openWallet(owner: "Ada", id: "rs2") { id } }`)).body.errors).toBeUndefined()
    const invited = await gql(url(), `mutation { inviteCustomer(email: "rs@example.com") { id } }`)
    expect(invited.body.errors).toBeUndefined()

    await redis.restartFromSnapshot()
    // The snapshot holds the mark that the state is whole, and lacks the writes above: decided on it, "rs2" would be
    // opened a second time at version 1, and the credit would take version 3 again.
    expect(errorCode(await once(`mutation { openWallet(owner: "Eve", id: "rs2", commandId: "rs2-again") { id } }`))).toBe("WALLET_EXISTS")
    expect((await once(`mutation { credit(walletId: "rs1", amount: 1, commandId: "rs1-after") { balance version } }`)).body).toEqual({
      data: { credit: { balance: 151, version: 4 } }
    })
    const again = await once(`mutation { inviteCustomer(email: " RS@example.com ", commandId: "rs-again") { id } }`)
    expect(errorCode(again)).toBe("ALREADY_INVITED")
    expect(again.body.errors?.[0]?.extensions?.["customerId"]).toBe(
      (invited.body.data as { inviteCustomer: { id: string } }).inviteCustomer.id
    )
    const { forks, history } = historyOf(await walletLog(settings))
    expect(forks).toEqual([])
    expect(history.get("wallet-rs1")!.map((e) => e.version)).toEqual([1, 2, 3, 4])
    expect(history.get("wallet-rs2")!.map((e) => e.commandId)).toHaveLength(1)
  })
})
