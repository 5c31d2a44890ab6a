import { Effect, Runtime, Schedule, Schema } from "effect"
import type { EachBatchPayload, KafkaMessage } from "kafkajs"
import type { StoredEvent } from "@low/functions"
import { endSpans, Tracing, type AnyHandler, type AnyProjector } from "@low/core"
import { pushChanges, pushMark, pushPublish, ScriptArgs } from "./redis/lua"
import { RedisStore } from "./redis/store"
import { KafkaClient } from "./client"
import { namesOf } from "./config"
import { runConsumer } from "./consumer"
import { decodeJson, EventMessage } from "./messages"
import { consumerSpan } from "./tracing"

// One script call per this many events: long enough to amortize the round trip, short enough not to stall Redis.
const chunk = 256

export interface ProjectorOptions {
  readonly handlers: ReadonlyArray<AnyHandler>
  readonly projectors: ReadonlyArray<AnyProjector>
  /** The consumer group; another one (and another Redis prefix) rebuilds the read models from the beginning. */
  readonly groupId?: string
}

const parse = decodeJson(EventMessage)

/**
 * The projectors as a consumer group over the events topics. Each batch's view changes, the versions each stream
 * reached and a notice for waiting bffs go to Redis in one script per chunk, applied only where newer (Put/Patch)
 * or absent (Add), so a redelivered or duplicated event changes nothing; the offset is committed after.
 */
export const runProjectors = ({ handlers, projectors, groupId }: ProjectorOptions) =>
  Effect.gen(function* () {
    const { kafka, settings } = yield* KafkaClient
    const store = yield* RedisStore
    const names = namesOf(settings)
    const runtime = yield* Effect.runtime<never>()
    const channels = [...new Set(projectors.map((p) => p.reads))]
    const routes = new Map(
      channels.map((channel) => {
        const writer = handlers.find((h) => h.writes === channel)
        const decode = writer === undefined ? (u: unknown) => u : Schema.decodeUnknownSync(writer.event)
        return [names.topic(channel), { channel, decode, projectors: projectors.filter((p) => p.reads === channel) }] as const
      })
    )
    type Route = NonNullable<ReturnType<typeof routes.get>>

    const readable =
      (route: Route) =>
      (message: KafkaMessage): Array<StoredEvent<{ readonly _tag: string }>> => {
        try {
          const e = parse(message.value?.toString() ?? "")
          return [{ ...e, event: route.decode(e.event) as { readonly _tag: string } }]
        } catch (cause) {
          Runtime.runFork(runtime)(Effect.logError("unreadable event skipped", { offset: message.offset, cause: String(cause) }))
          return []
        }
      }

    const apply = (route: Route, events: ReadonlyArray<StoredEvent<{ readonly _tag: string }>>) => {
      const args = new ScriptArgs()
      const marks = new Map<string, number>()
      for (const event of events) {
        pushChanges(
          args,
          store.keys,
          route.projectors.flatMap((p) => p.project(event)),
          event.version
        )
        marks.set(event.stream, Math.max(marks.get(event.stream) ?? 0, event.version))
      }
      for (const [stream, version] of marks) pushMark(args, store.keys.projected(route.channel), stream, version)
      pushPublish(args, store.keys.projectedChannel, JSON.stringify({ channel: route.channel, marks: [...marks] }))
      return store
        .project(args)
        .pipe(Effect.retry({ schedule: Schedule.exponential("50 millis").pipe(Schedule.intersect(Schedule.recurs(5))) }))
    }

    const applyAll = (route: Route, events: ReadonlyArray<StoredEvent<{ readonly _tag: string }>>) =>
      Effect.gen(function* () {
        for (let at = 0; at < events.length; at += chunk) yield* apply(route, events.slice(at, at + chunk))
      })

    // With spans recorded, each event is processed in a consumer span continuing the trace of the command that
    // wrote it, ended once the batch's projections are written.
    const tracing = yield* Tracing
    const group = groupId ?? names.projectorsGroup
    const handleBatch = (payload: EachBatchPayload) =>
      Effect.gen(function* () {
        const route = routes.get(payload.batch.topic)
        if (route === undefined) return
        const events = payload.batch.messages.flatMap(readable(route))
        if (!tracing) return yield* applyAll(route, events)
        const spans = yield* Effect.forEach(payload.batch.messages, (message) => consumerSpan(payload.batch, group, message))
        yield* Effect.onExit(applyAll(route, events), (exit) => endSpans(spans, exit))
      })

    return yield* runConsumer(kafka, {
      groupId: group,
      topics: [...routes.keys()],
      fromBeginning: true,
      tuning: settings.consumer,
      eachBatch: (payload) => Runtime.runPromise(runtime)(handleBatch(payload))
    })
  })
