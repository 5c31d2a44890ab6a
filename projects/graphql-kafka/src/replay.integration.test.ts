import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { testDomains } from "./testing/domains"
import { namesOf } from "@low/kafka"
import { awaitCaughtUp } from "@low/kafka"
import { replayHandlerState, replayReadModels } from "@low/kafka"
import { testAdmin, testSettings } from "@low/kafka/testing"
import { dropKeys, dumpKeys } from "@low/kafka/testing"
import { errorCode, gql } from "@low/testing"
import { serveDuringTests } from "./testing/test-server"

const settings = testSettings("replay")
const rebuilt = { ...settings, redisPrefix: `${settings.redisPrefix}rebuilt:` }
const readModels = ["doc:*", "items:*", "projected:*"]
const handlerState = ["stream:*", "accepted:*", "unique:*", "position"]
const url = serveDuringTests(settings)

afterAll(() => dropKeys(rebuilt.redisPrefix), 60_000)

/** Waits until the projectors have read every event written so far. */
const projected = async () => {
  const names = namesOf(settings)
  const admin = await testAdmin(settings)
  try {
    await Effect.runPromise(awaitCaughtUp(admin, names.projectorsGroup, [names.topic("wallet-events"), names.topic("customer-events")]))
  } finally {
    await admin.disconnect()
  }
}

const mutate = async (query: string, variables: Record<string, unknown>) => {
  const response = await gql(url(), query, variables)
  return errorCode(response) ?? "OK"
}

describe("graphql-kafka replay", () => {
  it("given wallets and customers written through GraphQL, when the read models are rebuilt from the events topics into another prefix, then they equal the live ones", {
    timeout: 180_000
  }, async () => {
    const codes = await Promise.all(
      Array.from({ length: 20 }, async (_, w) => {
        const id = `w-${w}`
        const open = await mutate(`mutation ($id: ID) { openWallet(owner: "Owner ${w}", id: $id) { id } }`, { id })
        const moves = []
        for (let i = 0; i < 10; i++) {
          const kind = i % 3 === 0 ? "debit" : "credit"
          moves.push(
            await mutate(`mutation ($id: ID!, $a: Int!) { ${kind}(walletId: $id, amount: $a) { id } }`, { id, a: 1 + ((w + i) % 7) })
          )
        }
        const invite = await mutate(`mutation ($e: String!) { inviteCustomer(email: $e) { id } }`, { e: ` Customer-${w}@Example.com ` })
        return [open, ...moves, invite]
      })
    )
    // Some debits are refused; they leave nothing to replay, which the comparison covers too.
    expect(new Set(codes.flat())).toEqual(new Set(["OK", "INSUFFICIENT_FUNDS"]))

    await projected()
    await Effect.runPromise(replayReadModels(testDomains, rebuilt))

    const live = await dumpKeys(settings.redisPrefix, readModels)
    const replayed = await dumpKeys(rebuilt.redisPrefix, readModels)
    expect(Object.keys(live).length).toBeGreaterThan(20 * 3)
    expect(replayed).toEqual(live)

    // The handlers' state (every entity's version and saved state, the accepted commandIds, the unique emails, the
    // position counter) from the same topics: the events carry what each commit wrote besides them.
    const liveState = await dumpKeys(settings.redisPrefix, handlerState)
    await Effect.runPromise(replayHandlerState(testDomains, rebuilt))
    const replayedState = await dumpKeys(rebuilt.redisPrefix, handlerState)
    expect(Object.keys(liveState).filter((key) => key.startsWith("accepted:")).length).toBe(40)
    expect(replayedState).toEqual(liveState)
  })

  it("given the handlers' state lost and replayed from the events topics, when commands are sent again, then they are decided as before: a retry is the same answer, a taken id or email refused, a debit sees the balance", {
    timeout: 180_000
  }, async () => {
    const open = `mutation { openWallet(owner: "Ada", id: "w-again", commandId: "open-again") { id owner balance } }`
    const invite = `mutation { inviteCustomer(email: "again@example.com", commandId: "invite-again") { id email } }`
    expect((await gql(url(), open)).body.errors).toBeUndefined()
    expect((await gql(url(), `mutation { credit(walletId: "w-again", amount: 7) { balance } }`)).body.errors).toBeUndefined()
    const invited = await gql(url(), invite)
    expect(invited.body.errors).toBeUndefined()
    await projected()

    // As a Redis restarted empty would have it: the handlers' state gone (the read models are another matter).
    await dropKeys(settings.redisPrefix, handlerState)
    await Effect.runPromise(replayHandlerState(testDomains, settings))

    expect((await gql(url(), open)).body).toEqual({ data: { openWallet: { id: "w-again", owner: "Ada", balance: 7 } } })
    expect((await gql(url(), invite)).body).toEqual(invited.body)
    expect(errorCode(await gql(url(), `mutation { openWallet(owner: "Eve", id: "w-again") { id } }`))).toBe("WALLET_EXISTS")
    expect(errorCode(await gql(url(), `mutation { inviteCustomer(email: " AGAIN@example.com") { id } }`))).toBe("ALREADY_INVITED")
    expect(errorCode(await gql(url(), `mutation { debit(walletId: "w-again", amount: 8) { balance } }`))).toBe("INSUFFICIENT_FUNDS")
    expect((await gql(url(), `mutation { debit(walletId: "w-again", amount: 7) { balance version } }`)).body).toEqual({
      data: { debit: { balance: 0, version: 3 } }
    })
  })
})
