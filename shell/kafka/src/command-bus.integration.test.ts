import { Duration, Effect, Either, Layer, Option, type Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { wallet, walletHandler, WalletState } from "@low/functions"
import { CommandBus, Views } from "@low/core"
import { eventually } from "@low/testing"
import { Executor } from "@low/core"
import { RedisClient } from "./redis/client"
import { keysOf } from "./redis/keys"
import { RedisStore } from "./redis/store"
import { ensureTopics, KafkaClient } from "./client"
import { KafkaCommandBus } from "./command-bus"
import { namesOf } from "./config"
import { runHandlers } from "./handler"
import { runProjectors } from "./projector"
import { dropTestData, requireServices, testSettings } from "./testing"

const settings = testSettings("bus", { commandTimeout: Duration.seconds(1) })
const names = namesOf(settings)
const infrastructure = Layer.merge(KafkaClient.layer(settings), RedisClient.layer({ url: settings.redisUrl, prefix: settings.redisPrefix }))
const store = RedisStore.layer({ outbox: true })
const layer = KafkaCommandBus({ handlers: [walletHandler], projectedChannels: new Set([walletHandler.writes]) }).pipe(
  Layer.provideMerge(Executor.layer()),
  Layer.provideMerge(store),
  Layer.provideMerge(infrastructure)
)
const run = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof layer> | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(effect, layer)))

beforeAll(async () => {
  await requireServices()
  await run(
    Effect.flatMap(KafkaClient, ({ admin }) =>
      ensureTopics(admin, [names.topic(walletHandler.reads), names.topic(walletHandler.writes)], 2)
    )
  )
}, 180_000)
afterAll(() => dropTestData(settings), 60_000)

describe("kafka command bus", () => {
  it("given no handler running, when a command is sent, then TIMEOUT at its deadline; once handlers run, the retry with its commandId finds it applied once", {
    timeout: 120_000
  }, async () => {
    const envelope = { commandId: "open-late", at: "2026-01-01T00:00:00.000Z", freshId: "f" }
    const open = { _tag: "OpenWallet" as const, walletId: "w-late", owner: "Ada" }
    const result = await run(
      Effect.gen(function* () {
        const bus = yield* CommandBus
        const started = Date.now()
        const first = yield* Effect.either(bus.send(walletHandler, open, envelope))
        const waited = Date.now() - started
        // The delivery waits in the topic; handlers and projectors that start now take it first, then the retry.
        const joined = yield* Effect.all([
          runHandlers([walletHandler]),
          runProjectors({ handlers: [walletHandler], projectors: wallet.projectors })
        ])
        yield* Effect.all(joined.map((j) => j.joined))
        const retried = yield* bus.send(walletHandler, open, { ...envelope, at: "2026-01-01T00:00:05.000Z" })
        const state = yield* Effect.flatMap(RedisStore, (s) => s.ports.states.get("wallet-w-late", WalletState))
        return { first, waited, retried, state }
      })
    )
    expect(Either.isLeft(result.first) && result.first.left._tag).toBe("Timeout")
    expect(result.waited).toBeGreaterThanOrEqual(1_000)
    expect(result.waited).toBeLessThan(5_000)
    expect(result.retried).toStrictEqual({ _tag: "Duplicate" })
    expect(result.state).toStrictEqual(Option.some({ version: 1, state: { walletId: "w-late", owner: "Ada", balance: 0, outgoing: 0 } }))
  })

  it("given a reader waiting for a wallet's document, when a command changes it, then the projectors' notice tells the reader, and not a reader of another document", {
    timeout: 120_000
  }, async () => {
    const told: Array<string> = []
    await run(
      Effect.gen(function* () {
        const bus = yield* CommandBus
        const views = yield* Views
        const joined = yield* Effect.all([
          runHandlers([walletHandler]),
          runProjectors({ handlers: [walletHandler], projectors: wallet.projectors })
        ])
        yield* Effect.all(joined.map((j) => j.joined))
        views.onChange!("wallets", "w-told", () => told.push("w-told"))
        views.onChange!("wallets", "w-other", () => told.push("w-other"))
        const envelope = { commandId: "open-told", at: "2026-01-01T00:00:00.000Z", freshId: "f" }
        yield* bus.send(walletHandler, { _tag: "OpenWallet", walletId: "w-told", owner: "Ada" }, envelope)
        // The answer comes once the projectors' notice arrived (or a sweep found the mark): the document's is the same one.
        yield* Effect.promise(() => eventually(() => told.length > 0, { what: "the reader told", withinMs: 5_000 }))
      })
    )
    expect(told).toStrictEqual(["w-told"])
  })

  it("given readers waiting for documents, when a notice names none (a projector of an older version), then every reader is told", async () => {
    const told: Array<string> = []
    await run(
      Effect.gen(function* () {
        const views = yield* Views
        const { redis, prefix } = yield* RedisClient
        for (const doc of ["w-a", "w-b"]) views.onChange!("wallets", doc, () => told.push(doc))
        // Published until heard: the bus's subscriber may still be subscribing.
        yield* Effect.promise(() =>
          eventually(
            async () => {
              await redis.publish(
                keysOf(prefix).projectedChannel,
                JSON.stringify({ channel: walletHandler.writes, marks: [["wallet-w-a", 1]] })
              )
              return told.length === 2
            },
            { what: "both readers told", withinMs: 5_000 }
          )
        )
      })
    )
    expect(told.sort()).toStrictEqual(["w-a", "w-b"])
  })
})
