import { Effect, Either, Runtime, Schedule, Schema } from "effect"
import type { EachBatchPayload, KafkaMessage } from "kafkajs"
import type { StoredEvent, ViewChange } from "@low/functions"
import { docsChangedBy, endSpans, Tracing, type AnyHandler, type AnyProjector, type HealthCheck } from "@low/core"
import type { Redis } from "ioredis"
import type { Keys } from "./redis/keys"
import { call, RedisClient } from "./redis/client"
import { pushChanges, pushGuard, pushMark, pushPublish, ScriptArgs } from "./redis/lua"
import { RedisStore } from "./redis/store"
import { connectedProducer, kafkaCall, KafkaClient } from "./client"
import { namesOf } from "./config"
import { partitionKey, partitionOf, runConsumer } from "./consumer"
import { heartbeatOf, makeDeadLetters, triedFor, triesBeforeDeadLetter, Unhandled } from "./dead-letters"
import { decodeJson, EventMessage } from "./messages"
import { makeSender } from "./sender"
import { consumerSpan } from "./tracing"

// One script call per this many events: long enough to amortize the round trip, short enough not to stall Redis.
const chunk = 256
/** The most documents a notice names (a chunk of events changes some, not many more). */
const maxNamedDocs = 512
/** How often a projector compares what Redis holds of its partitions with what it wrote there. */
const checkEvery = "2 seconds"

export interface ProjectorOptions {
  readonly handlers: ReadonlyArray<AnyHandler>
  readonly projectors: ReadonlyArray<AnyProjector>
  /** The consumer group; another one (and another Redis prefix) rebuilds the read models from the beginning. */
  readonly groupId?: string
}

const parse = decodeJson(EventMessage)

/** An event read, the view changes its channel's projectors make of it, and its message's offset. */
interface Projected {
  readonly event: StoredEvent<{ readonly _tag: string }>
  readonly changes: ReadonlyArray<ViewChange>
  readonly offset: string
}

/**
 * `/healthz` on the read models: 503 (`"read models"` failing) while the projectors rebuild some from the events
 * topics because Redis lost them, with `rebuilding` showing each partition and the offset the rebuild aims for.
 */
export const rebuildingHealth = (redis: Redis, keys: Keys): ReadonlyArray<HealthCheck> => [
  {
    name: "read models",
    check: Effect.flatMap(
      call(() => redis.hlen(keys.rebuilding)),
      (n) => (n === 0 ? Effect.void : Effect.fail("rebuilding"))
    )
  },
  {
    name: "rebuilding",
    reading: true,
    check: Effect.map(
      call(() => redis.hgetall(keys.rebuilding)),
      (partitions) => (Object.keys(partitions).length === 0 ? undefined : partitions)
    )
  }
]

/**
 * The projectors as a consumer group over the events topics. Each batch's view changes, the versions each stream
 * reached and a notice for waiting bffs go to Redis in one script per chunk, applied only where newer (Put/Patch)
 * or absent (Add), so a redelivered or duplicated event changes nothing; the offset is committed after. An event
 * that does not decode, or that a projector throws on however often it is tried, goes to the dead-letter topic,
 * and the partition moves on.
 */
export const runProjectors = ({ handlers, projectors, groupId }: ProjectorOptions) =>
  Effect.gen(function* () {
    const { kafka, admin, settings } = yield* KafkaClient
    const { redis } = yield* RedisClient
    const store = yield* RedisStore
    const names = namesOf(settings)
    const runtime = yield* Effect.runtime<never>()
    const group = groupId ?? names.projectorsGroup
    const deadLetters = makeDeadLetters(makeSender(yield* connectedProducer(kafka)), names.deadLetters)
    const channels = [...new Set(projectors.map((p) => p.reads))]
    const routes = new Map(
      channels.map((channel) => {
        const writer = handlers.find((h) => h.writes === channel)
        const decode = writer === undefined ? (u: unknown) => u : Schema.decodeUnknownSync(writer.event)
        return [names.topic(channel), { channel, decode, projectors: projectors.filter((p) => p.reads === channel) }] as const
      })
    )
    type Route = NonNullable<ReturnType<typeof routes.get>>

    const changesOf = (route: Route, event: StoredEvent<{ readonly _tag: string }>) => route.projectors.flatMap((p) => p.project(event))

    /** The message's event, or undefined when it is none (`unreadable` then says why). */
    const read = (route: Route, message: KafkaMessage, unreadable: (reason: string) => void) => {
      try {
        const e = parse(message.value?.toString() ?? "")
        return { ...e, event: route.decode(e.event) as { readonly _tag: string } }
      } catch (cause) {
        unreadable(`not an event message of ${route.channel}: ${String(cause)}`)
        return undefined
      }
    }

    /**
     * Each event of the batch with its view changes, and the messages to set aside in the dead-letter topic: those
     * that are no event, or that a projector threw on at every try (such an event counts as projected, with no
     * changes).
     */
    const projected = (payload: EachBatchPayload, route: Route) =>
      Effect.gen(function* () {
        const ready: Array<Projected> = []
        const letters: Array<{ readonly message: KafkaMessage; readonly reason: string }> = []
        for (const message of payload.batch.messages) {
          const stored = read(route, message, (reason) => letters.push({ message, reason }))
          if (stored === undefined) continue
          const { offset } = message
          try {
            ready.push({ event: stored, changes: changesOf(route, stored), offset })
          } catch {
            // Tried again, as many times as a handler's command would be, before it is set aside. A heartbeat that
            // fails (the group is rebalancing) fails the batch: it is delivered again to whoever owns it.
            const again = yield* Effect.zipRight(
              Effect.sleep("100 millis"),
              triedFor(
                Effect.sync(() => changesOf(route, stored)),
                { tries: triesBeforeDeadLetter - 1, beat: heartbeatOf(payload) }
              )
            ).pipe(
              Effect.map(Either.right),
              Effect.catchIf(
                (e): e is Unhandled => e instanceof Unhandled,
                (e) => Effect.succeed(Either.left(e))
              )
            )
            if (Either.isRight(again)) ready.push({ event: stored, changes: again.right, offset })
            else {
              letters.push({ message, reason: `a projector threw on each of its tries: ${again.left.reason}` })
              // Passed over: its stream's readers wait no longer for it (the letter says what the views lack).
              ready.push({ event: stored, changes: [], offset })
            }
          }
        }
        return { ready, letters }
      })

    /**
     * Projects `events` (the messages of a partition up to offset `last`), provided Redis holds that partition's
     * read models up to offset `after`.
     */
    const apply = (route: Route, events: ReadonlyArray<Projected>, field: string, after: bigint, last: string) => {
      const args = new ScriptArgs()
      pushGuard(args, { offsets: store.keys.projectedOffsets, rebuilding: store.keys.rebuilding, field, after: String(after), last })
      const marks = new Map<string, number>()
      for (const { event, changes } of events) {
        pushChanges(args, store.keys, changes, event.version)
        marks.set(event.stream, Math.max(marks.get(event.stream) ?? 0, event.version))
      }
      for (const [stream, version] of marks) pushMark(args, store.keys.projected(route.channel), stream, version)
      // A notice names the documents it changed, up to a point: past it, its readers are told that any may have.
      const docs = docsChangedBy(events.flatMap((e) => e.changes))
      const named = docs.length <= maxNamedDocs ? { docs } : {}
      if (marks.size > 0)
        pushPublish(args, store.keys.projectedChannel, JSON.stringify({ channel: route.channel, marks: [...marks], ...named }))
      return store
        .project(args)
        .pipe(Effect.retry({ schedule: Schedule.exponential("50 millis").pipe(Schedule.intersect(Schedule.recurs(5))) }))
    }

    // Redis keeps, with the read models, the offset of each partition they hold (see pushGuard). A batch follows on
    // from the offset before the one it was fetched from; when Redis holds less (it lost writes: restarted empty,
    // flushed, failed over to a replica behind), nothing is written, the partition is read again from the first
    // offset Redis lacks, and the read models are marked rebuilding until they are back where they were. Messages
    // set aside before, and met again on the way, are not set aside twice by this process.
    const lettered = new Map<string, bigint>()
    /** The last offset of each partition this process wrote to Redis. */
    const applied = new Map<string, bigint>()

    const applyAll = (payload: EachBatchPayload, route: Route) =>
      Effect.gen(function* () {
        const { batch } = payload
        // A batch read before a seek is stale; one of control records only has nothing to project.
        if (payload.isStale() || batch.isEmpty()) return
        const field = partitionKey(batch.topic, batch.partition)
        const { ready, letters } = yield* projected(payload, route)
        // kafkajs' Batch has the offset it was fetched from, which its types leave out.
        let after = BigInt((batch as unknown as { readonly fetchedOffset: string }).fetchedOffset) - 1n
        for (let at = 0; at === 0 || at < ready.length; at += chunk) {
          const events = ready.slice(at, at + chunk)
          const last = at + chunk >= ready.length ? batch.lastOffset() : events[events.length - 1]!.offset
          const projection = yield* apply(route, events, field, after, last)
          if (projection._tag === "Behind") return yield* rebuildFrom(batch.topic, batch.partition, projection.held, after)
          after = BigInt(last)
          applied.set(field, after)
        }
        const sentBefore = lettered.get(field) ?? -1n
        yield* deadLetters(
          { group, topic: batch.topic, partition: batch.partition },
          letters.filter(({ message }) => BigInt(message.offset) > sentBefore)
        )
        if (after > sentBefore) lettered.set(field, after)
      })

    /** Reads the partition again from the first offset Redis lacks, up to `reached`, marked rebuilding meanwhile. */
    const rebuildFrom = (topic: string, partition: number, held: bigint, reached: bigint) =>
      Effect.gen(function* () {
        const field = partitionKey(topic, partition)
        const first = yield* kafkaCall(() => admin.fetchTopicOffsets(topic)).pipe(
          Effect.map((offsets) => BigInt(offsets.find((o) => o.partition === partition)?.low ?? "0"))
        )
        const from = held + 1n > first ? held + 1n : first
        if (from > held + 1n) {
          yield* Effect.logError("the events topic no longer holds what the read models lack: they cannot be rebuilt whole", {
            topic,
            partition,
            lacking: `${held + 1n} to ${from - 1n}`
          })
          // What the log no longer holds cannot be waited for: the guard then passes from where it starts.
          yield* call(() => redis.hset(store.keys.projectedOffsets, field, String(from - 1n)))
        }
        yield* Effect.logWarning("Redis holds less of the read models than was written: rebuilding them from the events topic", {
          topic,
          partition,
          from: String(from),
          upTo: String(reached)
        })
        yield* call(() => redis.hset(store.keys.rebuilding, field, String(reached)))
        applied.delete(field)
        return { seek: String(from) }
      })

    // With spans recorded, each event is processed in a consumer span continuing the trace of the command that
    // wrote it, ended once the batch's projections are written.
    const tracing = yield* Tracing
    const handleBatch = (payload: EachBatchPayload) =>
      Effect.gen(function* () {
        const route = routes.get(payload.batch.topic)
        if (route === undefined) return
        if (!tracing) return yield* applyAll(payload, route)
        const spans = yield* Effect.forEach(payload.batch.messages, (message) => consumerSpan(payload.batch, group, message))
        return yield* Effect.onExit(applyAll(payload, route), (exit) => endSpans(spans, exit))
      })

    const consumer = yield* runConsumer(kafka, {
      groupId: group,
      topics: [...routes.keys()],
      fromBeginning: true,
      tuning: settings.consumer,
      eachBatch: (payload) => Runtime.runPromise(runtime)(handleBatch(payload))
    })

    // Redis may lose the read models while no event comes to a partition: every `checkEvery`, each partition this
    // process projects is compared with what Redis holds of it, and read again from where Redis lacks it.
    const check = Effect.gen(function* () {
      const held = yield* call(() => redis.hgetall(store.keys.projectedOffsets))
      for (const field of consumer.owned()) {
        const reached = applied.get(field)
        const holds = BigInt(held[field] ?? "-1")
        if (reached === undefined || holds >= reached) continue
        const { topic, partition } = partitionOf(field)
        const { seek } = yield* rebuildFrom(topic, partition, holds, reached)
        consumer.seek(topic, partition, seek)
      }
    })
    yield* check.pipe(Effect.ignore, Effect.repeat(Schedule.spaced(checkEvery)), Effect.forkScoped)
    return consumer
  })
