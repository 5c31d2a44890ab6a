import { Effect, Layer, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EventStore } from "@low/core"
import { RedisClient } from "./client"
import { RedisStore } from "./store"
import { dropKeys, requireRedis, testPrefix, testRedisUrl } from "./testing"

const prefix = testPrefix("outbox")
beforeAll(requireRedis)
afterAll(() => dropKeys(prefix))

// An event schema whose encoded form differs from its type: the outbox keeps events as the commit's schema encodes them.
const Ticked = Schema.Struct({ _tag: Schema.Literal("Ticked"), i: Schema.Number })
const TickedEncoded = Schema.transform(Schema.Struct({ ...Ticked.fields, encoded: Schema.Literal(true) }), Ticked, {
  strict: true,
  decode: ({ _tag, i }) => ({ _tag, i }),
  encode: (ticked) => ({ ...ticked, encoded: true as const })
})

const layer = RedisStore.layer({ outbox: true }).pipe(Layer.provideMerge(RedisClient.layer({ url: testRedisUrl, prefix })))
const run = <A, E>(effect: Effect.Effect<A, E, RedisStore | EventStore | RedisClient>) => Effect.runPromise(Effect.provide(effect, layer))

const commit = (entity: string, commandId: string, stream: string, expectedVersion: number, n: number) =>
  Effect.flatMap(EventStore, (store) =>
    store.commit({
      entity,
      commandId,
      fingerprint: commandId,
      at: "2026-01-01T00:00:00.000Z",
      events: TickedEncoded,
      project: () => [],
      ops: [{ _tag: "Append", stream, expectedVersion, events: Array.from({ length: n }, (_, i) => ({ _tag: "Ticked", i })) }]
    })
  )

describe("redis outbox", () => {
  it("given a commit, when asking what it left, then its events as encoded with their positions, and the version its stream reached", async () => {
    const { committed, pending } = await run(
      Effect.gen(function* () {
        const committed = yield* commit("e/1", "c-1", "s-1", 0, 2)
        const pending = yield* Effect.flatMap(RedisStore, (s) => s.outbox.pending("e/1", "c-1"))
        return { committed, pending }
      })
    )
    expect(pending.events).toEqual(committed.map((e) => ({ ...e, event: { ...e.event, encoded: true } })))
    expect(pending.targets).toEqual([["s-1", 2]])
  })

  it("given events marked published, when the command is met again, then nothing is left to publish but its targets are still known", async () => {
    const pending = await run(
      Effect.gen(function* () {
        yield* commit("e/2", "c-1", "s-2", 0, 1)
        yield* commit("e/2", "c-2", "s-2", 1, 1)
        const { redis } = yield* RedisClient
        const store = yield* RedisStore
        yield* Effect.promise(() => store.outbox.markPublished(redis.pipeline(), "e/2", "c-1").exec())
        return { first: yield* store.outbox.pending("e/2", "c-1"), second: yield* store.outbox.pending("e/2", "c-2") }
      })
    )
    expect(pending.first).toEqual({ events: [], targets: [["s-2", 1]] })
    expect(pending.second.events.map((e) => e.id)).toEqual(["s-2@2"])
  })

  it("given a command never accepted, when asking what it left, then nothing", async () => {
    expect(await run(Effect.flatMap(RedisStore, (s) => s.outbox.pending("e/3", "never")))).toEqual({ events: [], targets: [] })
  })
})
