import { Effect, Layer, Schedule, type Scope } from "effect"
import { Kafka, logLevel } from "kafkajs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { walletHandler } from "@low/functions"
import { Executor, type ExecutorPorts } from "@low/core"
import { RedisClient } from "./redis/client"
import { RedisStore } from "./redis/store"
import { ensureTopics, KafkaClient } from "./client"
import { namesOf } from "./config"
import { runHandlers } from "./handler"
import type { CommandMessage } from "./messages"
import { dropTestData, readTopic, requireServices, testSettings } from "./testing"

const settings = testSettings("handler")
const names = namesOf(settings)
const kafka = new Kafka({ clientId: `${settings.clientId}-probe`, brokers: [...settings.brokers], logLevel: logLevel.NOTHING })
const layer = Executor.layer().pipe(
  Layer.provideMerge(RedisStore.layer({ outbox: true })),
  Layer.provideMerge(Layer.merge(KafkaClient.layer(settings), RedisClient.layer({ url: settings.redisUrl, prefix: settings.redisPrefix })))
)
type Services = Layer.Layer.Success<typeof layer>
const run = <A, E>(effect: Effect.Effect<A, E, Services | ExecutorPorts | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(effect, layer)))

beforeAll(async () => {
  await requireServices()
  await run(
    Effect.flatMap(KafkaClient, ({ admin }) => ensureTopics(admin, [names.topic("wallet-commands"), names.topic("wallet-events")], 2))
  )
}, 180_000)
afterAll(() => dropTestData(settings), 60_000)

/** Every message of the events topic, read by a group of its own once `count` have arrived. */
const events = async (count: number) =>
  (await readTopic(settings, names.topic("wallet-events"), count)).map(({ key, value }) => ({
    key: String(key),
    id: (JSON.parse(value!) as { id: string }).id
  }))

const delivery = (walletId: string, attempt: string, timestamp?: number) => {
  const envelope = { commandId: `open-${walletId}`, at: "2026-01-01T00:00:00.000Z", freshId: "f" }
  const value: CommandMessage = {
    handler: "wallet",
    command: { _tag: "OpenWallet", walletId, owner: "Ada" },
    envelope,
    attempt,
    replyTo: `${settings.redisPrefix}nobody`
  }
  return {
    envelope,
    message: { key: walletId, value: JSON.stringify(value), ...(timestamp === undefined ? {} : { timestamp: String(timestamp) }) }
  }
}

describe("kafka event handler: a crash between the commit and the publication", () => {
  it("given a command committed (events in the outbox) by a handler that died before publishing, when it is redelivered, then its events are published once, marked, and the delivery answered Duplicate", {
    timeout: 120_000
  }, async () => {
    const fresh = delivery("w-crashed", "attempt-1")
    const stale = delivery("w-stale", "attempt-2", Date.now() - 2 * 600_000)
    const replies = await run(
      Effect.gen(function* () {
        const executor = yield* Executor
        const store = yield* RedisStore
        // What the dead handler did: both commands committed in Redis, nothing published, no reply.
        for (const { envelope, message } of [fresh, stale]) {
          yield* executor.run(walletHandler, { _tag: "OpenWallet", walletId: message.key, owner: "Ada" }, envelope)
        }
        expect((yield* store.outbox.pending("wallet/w-crashed", fresh.envelope.commandId)).events).toHaveLength(1)
        const producer = kafka.producer()
        yield* Effect.promise(() => producer.connect())
        yield* Effect.promise(() => producer.send({ topic: names.topic("wallet-commands"), messages: [fresh.message, stale.message] }))
        yield* Effect.promise(() => producer.disconnect())

        yield* runHandlers([walletHandler])
        const { redis } = yield* RedisClient
        const reply = (attempt: string) => Effect.promise(() => redis.get(`${settings.redisPrefix}reply:${attempt}`))
        const left = store.outbox.pending("wallet/w-stale", stale.envelope.commandId)
        const poll = Schedule.spaced("50 millis").pipe(Schedule.upTo("60 seconds"))
        yield* reply("attempt-1").pipe(Effect.repeat({ until: (r) => r !== null, schedule: poll }))
        yield* left.pipe(Effect.repeat({ until: (p) => p.events.length === 0, schedule: poll }))
        return {
          fresh: yield* reply("attempt-1"),
          stale: yield* reply("attempt-2"),
          left: yield* left
        }
      })
    )
    expect(JSON.parse(replies.fresh!)).toEqual({ _tag: "Duplicate", targets: [["wallet-w-crashed", 1]] })
    // Too old to be decided again (its reply would be gone), yet what it left in the outbox still goes out.
    expect(replies.stale).toBeNull()
    expect(replies.left.events).toEqual([])
    const published = await events(2)
    expect(published.map((e) => e.id).sort()).toEqual(["wallet-w-crashed@1", "wallet-w-stale@1"])
    expect(published.map((e) => e.key).sort()).toEqual(["w-crashed", "w-stale"])
  })
})
