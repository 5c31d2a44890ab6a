import { Duration, Effect, Either, Layer, Option, type Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { balanceProjector, transactionsProjector, walletHandler, walletsView, type WalletEvent } from "@low/functions"
import { CommandBus, Executor, type AnyHandler, type AnyProjector } from "@low/core"
import type { Projector } from "@low/functions"
import { RedisClient } from "./redis/client"
import { RedisStore } from "./redis/store"
import { ensureTopics, KafkaClient } from "./client"
import { KafkaCommandBus } from "./command-bus"
import { namesOf } from "./config"
import { deadLetterCount, deadLetterHeaders } from "./dead-letters"
import { runHandlers } from "./handler"
import { runProjectors } from "./projector"
import { dropTestData, readTopic, requireServices, sendRaw, testAdmin, testSettings } from "./testing"

// A handler and a projector with a bug: each throws on the wallet "boom", and only on it.
const throwingHandler: AnyHandler = {
  ...walletHandler,
  operate: (command, looked, envelope) => {
    if (command.walletId === "boom") throw new Error("operate broke on boom")
    return walletHandler.operate(command, looked, envelope)
  }
} satisfies typeof walletHandler as AnyHandler
const throwingProjector: Projector<WalletEvent> = {
  ...balanceProjector,
  project: (stored) => {
    if (stored.event.walletId === "boom-view") throw new Error("project broke on boom-view")
    return balanceProjector.project(stored)
  }
}
const projectors = [throwingProjector, transactionsProjector] as ReadonlyArray<AnyProjector>

// One partition per topic: whatever is set aside, what comes after it on the same partition must still flow.
const settings = testSettings("dead-letters", { partitions: 1, commandTimeout: Duration.seconds(10) })
const names = namesOf(settings)
const layer = KafkaCommandBus({ handlers: [throwingHandler], projectedChannels: new Set([walletHandler.writes]) }).pipe(
  Layer.provideMerge(Executor.layer()),
  Layer.provideMerge(RedisStore.layer({ outbox: true })),
  Layer.provideMerge(Layer.merge(KafkaClient.layer(settings), RedisClient.layer({ url: settings.redisUrl, prefix: settings.redisPrefix })))
)
const run = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof layer> | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(effect, layer)))

/** The dead-letter topic's messages, once `count` are there (a group of its own reads them from the start). */
const deadLetters = (count: number) => readTopic(settings, names.deadLetters, count)

/** The offset `groupId` has committed on partition 0 of `topic`, once it reaches the partition's end. */
const committedToEnd = async (groupId: string, topic: string) => {
  const admin = await testAdmin(settings)
  try {
    for (const deadline = Date.now() + 60_000; ; ) {
      const [end] = await admin.fetchTopicOffsets(topic)
      const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions[0]?.offset
      if (committed === end!.high || Date.now() > deadline) return { committed, end: end!.high }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } finally {
    await admin.disconnect()
  }
}

beforeAll(async () => {
  await requireServices()
  await run(
    Effect.flatMap(KafkaClient, ({ admin }) =>
      ensureTopics(admin, [names.topic(walletHandler.reads), names.topic(walletHandler.writes), names.deadLetters], 1)
    )
  )
}, 180_000)
afterAll(() => dropTestData(settings), 60_000)

const envelope = (commandId: string) => ({ commandId, at: "2026-01-01T00:00:00.000Z", freshId: commandId })

describe("kafka dead letters: poison does not block a partition, and nothing is dropped unseen", () => {
  it("given a message that is no command, a command the handler throws on, and good commands behind them on one partition, when the handlers run, then the first two are in the dead-letter topic with why and where from, the sender of the second is answered, and the good commands are applied", {
    timeout: 180_000
  }, async () => {
    const outcome = await run(
      Effect.gen(function* () {
        const bus = yield* CommandBus
        yield* Effect.promise(() => sendRaw(settings, names.topic(walletHandler.reads), [{ key: "k", value: "{not json" }]))
        const joined = yield* Effect.all([runHandlers([throwingHandler]), runProjectors({ handlers: [throwingHandler], projectors })])
        yield* Effect.all(joined.map((j) => j.joined))
        const boom = yield* Effect.either(
          bus.send(throwingHandler, { _tag: "OpenWallet", walletId: "boom", owner: "Ada" }, envelope("c-boom"))
        )
        const fine = yield* bus.send(throwingHandler, { _tag: "OpenWallet", walletId: "fine", owner: "Ada" }, envelope("c-fine"))
        const { admin } = yield* KafkaClient
        // While the handlers still run: every message of the partition is behind the group, nothing waits to be tried again.
        const offsets = yield* Effect.promise(() => committedToEnd(names.handlersGroup, names.topic(walletHandler.reads)))
        return { boom, fine, offsets, count: yield* deadLetterCount(admin, names.deadLetters) }
      })
    )
    expect(Either.isLeft(outcome.boom) && outcome.boom.left).toMatchObject({ _tag: "Unhandled" })
    expect(outcome.fine).toMatchObject({ _tag: "Applied" })
    expect(outcome.count).toBe(2)
    const letters = await deadLetters(2)
    expect(letters).toHaveLength(2)
    const [garbage, thrown] = letters
    expect(garbage!.value).toBe("{not json")
    expect(garbage!.headers[deadLetterHeaders.reason]).toMatch(/^not a command message/)
    expect(garbage!.headers).toMatchObject({
      [deadLetterHeaders.topic]: names.topic(walletHandler.reads),
      [deadLetterHeaders.partition]: "0",
      [deadLetterHeaders.offset]: "0",
      [deadLetterHeaders.group]: names.handlersGroup
    })
    expect(JSON.parse(thrown!.value!)).toMatchObject({ command: { walletId: "boom" }, envelope: { commandId: "c-boom" } })
    expect(thrown!.headers[deadLetterHeaders.reason]).toBe("the handler threw on each of its tries: Error: operate broke on boom")
    expect(thrown!.headers[deadLetterHeaders.offset]).toBe("1")
    expect(outcome.offsets.committed).toBe(outcome.offsets.end)
  })

  it("given an event that is no event and one a projector throws on, before good events on one partition, when the projectors run, then both are in the dead-letter topic, the good events are projected, and the writer of the thrown-on event is answered", {
    timeout: 180_000
  }, async () => {
    const outcome = await run(
      Effect.gen(function* () {
        const bus = yield* CommandBus
        yield* Effect.promise(() => sendRaw(settings, names.topic(walletHandler.writes), [{ key: "k", value: "[]" }]))
        const joined = yield* Effect.all([runHandlers([throwingHandler]), runProjectors({ handlers: [throwingHandler], projectors })])
        yield* Effect.all(joined.map((j) => j.joined))
        const thrownOn = yield* bus.send(throwingHandler, { _tag: "OpenWallet", walletId: "boom-view", owner: "Ada" }, envelope("c-bv"))
        yield* bus.send(throwingHandler, { _tag: "OpenWallet", walletId: "seen", owner: "Ada" }, envelope("c-seen"))
        yield* bus.send(throwingHandler, { _tag: "Credit", walletId: "seen", amount: 5 }, envelope("c-seen-5"))
        const store = yield* RedisStore
        const doc = yield* store.ports.views.doc(walletsView, "seen")
        const lost = yield* store.ports.views.doc(walletsView, "boom-view")
        const offsets = yield* Effect.promise(() => committedToEnd(names.projectorsGroup, names.topic(walletHandler.writes)))
        return { thrownOn, doc, lost, offsets }
      })
    )
    expect(outcome.thrownOn).toMatchObject({ _tag: "Applied" })
    expect(outcome.doc).toStrictEqual(Option.some({ id: "seen", owner: "Ada", balance: 5, version: 2 }))
    expect(outcome.lost).toStrictEqual(Option.none())
    const letters = (await deadLetters(4)).filter((l) => l.headers[deadLetterHeaders.group] === names.projectorsGroup)
    expect(letters.map((l) => l.headers[deadLetterHeaders.reason])).toEqual([
      expect.stringMatching(/^not an event message of wallet-events/),
      "a projector threw on each of its tries: Error: project broke on boom-view"
    ])
    expect(letters.map((l) => l.headers[deadLetterHeaders.topic])).toEqual([
      names.topic(walletHandler.writes),
      names.topic(walletHandler.writes)
    ])
    expect(outcome.offsets.committed).toBe(outcome.offsets.end)
  })
})
