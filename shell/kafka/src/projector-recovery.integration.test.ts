import { Effect, Layer, Option, type Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { transactionsView, wallet, walletHandler, walletsView } from "@low/functions"
import { failing, readings } from "@low/core"
import { eventually } from "@low/testing"
import { RedisClient } from "./redis/client"
import { RedisStore } from "./redis/store"
import { privateRedis } from "./redis/testing"
import { ensureTopics, KafkaClient } from "./client"
import { namesOf } from "./config"
import { rebuildingHealth, runProjectors } from "./projector"
import type { EventMessage } from "./messages"
import { dropTestData, requireServices, sendRaw, testSettings } from "./testing"

const wallets = ["w0", "w1", "w2", "w3", "w4"]
// Enough events that rebuilding them takes a while to watch: 2,000 credits a wallet before Redis is lost, 10 after.
const before = 2_000
const after = 10
const redis = await privateRedis()
const settings = testSettings("projector-recovery", { partitions: 2, redisUrl: redis.url })
const names = namesOf(settings)
const eventsTopic = names.topic(walletHandler.writes)
const layer = RedisStore.layer().pipe(
  Layer.provideMerge(Layer.merge(KafkaClient.layer(settings), RedisClient.layer({ url: settings.redisUrl, prefix: settings.redisPrefix })))
)
const run = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<typeof layer> | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(effect, layer)))

/** Each wallet's credits of 1 from version `from` to `to` (version 1 opens it), as the handler would publish them. */
const credits = (from: number, to: number) =>
  wallets.flatMap((id) =>
    Array.from({ length: to - from + 1 }, (_, i): { key: string; value: string } => {
      const version = from + i
      const event =
        version === 1
          ? { _tag: "WalletOpened", walletId: id, owner: "Ada" }
          : { _tag: "WalletCredited", walletId: id, amount: 1, balanceAfter: version - 1 }
      const message: EventMessage = {
        id: `wallet-${id}@${version}`,
        stream: `wallet-${id}`,
        version,
        event,
        commandId: `c-${id}-${version}`,
        at: "2026-01-01T00:00:00.000Z",
        position: version
      }
      return { key: id, value: JSON.stringify(message) }
    })
  )

beforeAll(async () => {
  await requireServices()
  await run(Effect.flatMap(KafkaClient, ({ admin }) => ensureTopics(admin, [eventsTopic, names.deadLetters], settings.partitions)))
}, 180_000)
afterAll(async () => {
  await dropTestData({ ...settings, redisUrl: redis.url }).catch(() => undefined)
  await redis.stop()
}, 60_000)

describe("kafka projectors when Redis loses the read models", () => {
  it("given projectors caught up, when Redis is killed and started empty, then, with no new event, the read models are rebuilt from the events topic, whole, /healthz says so while they are, and the events that come next are projected", {
    timeout: 180_000
  }, async () => {
    const outcome = await run(
      Effect.gen(function* () {
        const store = yield* RedisStore
        const { redis: client, prefix } = yield* RedisClient
        const balances = Effect.forEach(wallets, (id) =>
          Effect.map(store.ports.views.doc(walletsView, id), (doc) => Option.getOrUndefined(doc)?.["balance"])
        )
        const { joined } = yield* runProjectors({ handlers: [walletHandler], projectors: wallet.projectors })
        yield* joined
        yield* Effect.promise(() => sendRaw(settings, eventsTopic, credits(1, before + 1)))
        yield* Effect.promise(() =>
          eventually(async () => (await Effect.runPromise(balances)).every((b) => b === before), {
            what: "the first credits projected",
            withinMs: 60_000,
            everyMs: 50
          })
        )

        yield* Effect.promise(() => client.set(`${prefix}sentinel`, "before the restart"))
        yield* Effect.promise(() => redis.restartEmpty())
        // The clients reconnect by themselves; this one is asked once it has.
        yield* Effect.promise(() =>
          eventually(
            () =>
              client.ping().then(
                () => true,
                () => false
              ),
            { what: "the test's Redis client back", withinMs: 30_000, everyMs: 50 }
          )
        )
        expect(yield* Effect.promise(() => client.get(`${prefix}sentinel`))).toBeNull()
        const health = rebuildingHealth(client, store.keys)
        // Seen at least once on the way: 503, naming each partition being rebuilt.
        const seen = { down: new Set<string>(), rebuilding: new Set<string>() }
        const rebuilt = (balance: number) => async () => {
          const [down, read] = await Effect.runPromise(Effect.all([failing(health), readings(health)]))
          for (const name of down) seen.down.add(name)
          for (const partition of Object.keys((read["rebuilding"] as object | undefined) ?? {})) seen.rebuilding.add(partition)
          return (await Effect.runPromise(balances)).every((b) => b === balance) && down.length === 0
        }
        // No new event comes: the projectors find the loss by themselves.
        yield* Effect.promise(() => eventually(rebuilt(before), { what: "the read models rebuilt", withinMs: 90_000, everyMs: 5 }))
        yield* Effect.promise(() => sendRaw(settings, eventsTopic, credits(before + 2, before + after + 1)))
        yield* Effect.promise(() =>
          eventually(rebuilt(before + after), { what: "the new credits projected", withinMs: 60_000, everyMs: 20 })
        )
        const history = yield* Effect.forEach(wallets, (id) =>
          Effect.promise(() => client.zrange(store.keys.items(transactionsView, id), 0, -1, "WITHSCORES"))
        )
        const offsets = yield* Effect.promise(() => client.hgetall(store.keys.projectedOffsets))
        return { seen, history, offsets, prefix }
      })
    )
    // Every credit is in every history again, the ones Redis lost included, once each (scores are versions).
    for (const members of outcome.history)
      expect(members.filter((_, i) => i % 2 === 1).map(Number)).toEqual(Array.from({ length: before + after }, (_, i) => i + 2))
    // The offsets Redis holds are the ends of the topic's partitions: nothing is left to rebuild.
    const ends = await run(Effect.flatMap(KafkaClient, ({ admin }) => Effect.promise(() => admin.fetchTopicOffsets(eventsTopic))))
    expect(outcome.offsets).toEqual(Object.fromEntries(ends.map((p) => [`${eventsTopic}/${p.partition}`, String(BigInt(p.high) - 1n)])))
    expect([...outcome.seen.down]).toEqual(["read models"])
    expect([...outcome.seen.rebuilding].sort()).toEqual(
      ends
        .filter((p) => p.high !== "0")
        .map((p) => `${eventsTopic}/${p.partition}`)
        .sort()
    )
  })

  it("given an events partition that lost its first records and read models that lack them, when the projectors run, then they project what the log holds, say what is lost, and go on (no endless rebuild)", {
    timeout: 120_000
  }, async () => {
    const truncated = { ...settings, topicPrefix: `${settings.topicPrefix}truncated.`, redisPrefix: `${settings.redisPrefix}truncated:` }
    const topic = namesOf(truncated).topic(walletHandler.writes)
    const layerOf = RedisStore.layer().pipe(
      Layer.provideMerge(Layer.merge(KafkaClient.layer(truncated), RedisClient.layer({ url: redis.url, prefix: truncated.redisPrefix })))
    )
    const outcome = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const { admin } = yield* KafkaClient
          yield* ensureTopics(admin, [topic, namesOf(truncated).deadLetters], 1)
          // One wallet: opened, then 19 credits of 1; its first 10 records deleted, as a retention would.
          yield* Effect.promise(() =>
            sendRaw(
              truncated,
              topic,
              credits(1, 20).filter((m) => m.key === "w0")
            )
          )
          // The admin must know the topic's leaders first.
          yield* Effect.promise(() => admin.fetchTopicMetadata({ topics: [topic] }))
          yield* Effect.promise(() => admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: "10" }] }))
          const store = yield* RedisStore
          const { redis: client } = yield* RedisClient
          const { joined } = yield* runProjectors({ handlers: [walletHandler], projectors: wallet.projectors })
          yield* joined
          const balance = Effect.map(store.ports.views.doc(walletsView, "w0"), (doc) => Option.getOrUndefined(doc)?.["balance"])
          yield* Effect.promise(() =>
            eventually(async () => (await Effect.runPromise(balance)) === 19, {
              what: "the credits the log holds",
              withinMs: 60_000,
              everyMs: 20
            })
          )
          const health = rebuildingHealth(client, store.keys)
          yield* Effect.promise(() =>
            eventually(async () => (await Effect.runPromise(failing(health))).length === 0, {
              what: "the rebuild over",
              withinMs: 30_000,
              everyMs: 20
            })
          )
          return {
            offsets: yield* Effect.promise(() => client.hgetall(store.keys.projectedOffsets)),
            history: yield* Effect.promise(() => client.zrange(store.keys.items(transactionsView, "w0"), 0, -1))
          }
        }).pipe(Effect.provide(layerOf))
      )
    )
    expect(outcome.offsets).toEqual({ [`${topic}/0`]: "19" })
    // Versions 11 to 20 are the credits the log still holds; 2 to 10 are lost for good, and the error said so.
    expect(outcome.history.map((member) => Number(member.split("|")[0]))).toEqual(Array.from({ length: 10 }, (_, i) => i + 11))
  })
})
