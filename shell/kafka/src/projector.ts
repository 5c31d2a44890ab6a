import { Effect, Either, Runtime, Schedule, Schema } from "effect"
import type { EachBatchPayload, KafkaMessage } from "kafkajs"
import type { StoredEvent, ViewChange } from "@low/functions"
import { endSpans, Tracing, type AnyHandler, type AnyProjector } from "@low/core"
import { pushChanges, pushMark, pushPublish, ScriptArgs } from "./redis/lua"
import { RedisStore } from "./redis/store"
import { connectedProducer, KafkaClient } from "./client"
import { namesOf } from "./config"
import { runConsumer } from "./consumer"
import { makeDeadLetters, triedFor, triesBeforeDeadLetter } from "./dead-letters"
import { decodeJson, EventMessage } from "./messages"
import { makeSender } from "./sender"
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

/** An event read, and the view changes its channel's projectors make of it. */
interface Projected {
  readonly event: StoredEvent<{ readonly _tag: string }>
  readonly changes: ReadonlyArray<ViewChange>
}

/**
 * The projectors as a consumer group over the events topics. Each batch's view changes, the versions each stream
 * reached and a notice for waiting bffs go to Redis in one script per chunk, applied only where newer (Put/Patch)
 * or absent (Add), so a redelivered or duplicated event changes nothing; the offset is committed after. An event
 * that does not decode, or that a projector throws on however often it is tried, goes to the dead-letter topic,
 * and the partition moves on.
 */
export const runProjectors = ({ handlers, projectors, groupId }: ProjectorOptions) =>
  Effect.gen(function* () {
    const { kafka, settings } = yield* KafkaClient
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

    /** The message's event, or why it is no event message. */
    const read = (route: Route, message: KafkaMessage) =>
      Either.try({
        try: () => {
          const e = parse(message.value?.toString() ?? "")
          return { ...e, event: route.decode(e.event) as { readonly _tag: string } }
        },
        catch: (cause) => `not an event message of ${route.channel}: ${String(cause)}`
      })

    /**
     * Each event of the batch with its view changes; the messages that are no event, or that a projector threw on
     * at every try, set aside in the dead-letter topic (an event set aside counts as projected, with no changes).
     */
    const projected = (payload: EachBatchPayload, route: Route) =>
      Effect.gen(function* () {
        const ready: Array<Projected> = []
        const letters: Array<{ readonly message: KafkaMessage; readonly reason: string }> = []
        for (const message of payload.batch.messages) {
          const event = read(route, message)
          if (Either.isLeft(event)) {
            letters.push({ message, reason: event.left })
            continue
          }
          try {
            ready.push({ event: event.right, changes: changesOf(route, event.right) })
          } catch {
            // Tried again, as many times as a handler's command would be, before it is set aside.
            const again = yield* Effect.either(
              triedFor(
                Effect.sync(() => changesOf(route, event.right)),
                triesBeforeDeadLetter - 1
              )
            )
            if (Either.isRight(again)) ready.push({ event: event.right, changes: again.right })
            else {
              letters.push({ message, reason: `a projector threw on each of its tries: ${again.left.reason}` })
              // Passed over: its stream's readers wait no longer for it (the letter says what the views lack).
              ready.push({ event: event.right, changes: [] })
            }
          }
        }
        yield* deadLetters({ group, topic: payload.batch.topic, partition: payload.batch.partition }, letters)
        return ready
      })

    const apply = (route: Route, events: ReadonlyArray<Projected>) => {
      const args = new ScriptArgs()
      const marks = new Map<string, number>()
      for (const { event, changes } of events) {
        pushChanges(args, store.keys, changes, event.version)
        marks.set(event.stream, Math.max(marks.get(event.stream) ?? 0, event.version))
      }
      for (const [stream, version] of marks) pushMark(args, store.keys.projected(route.channel), stream, version)
      pushPublish(args, store.keys.projectedChannel, JSON.stringify({ channel: route.channel, marks: [...marks] }))
      return store
        .project(args)
        .pipe(Effect.retry({ schedule: Schedule.exponential("50 millis").pipe(Schedule.intersect(Schedule.recurs(5))) }))
    }

    const applyAll = (payload: EachBatchPayload, route: Route) =>
      Effect.gen(function* () {
        const events = yield* projected(payload, route)
        for (let at = 0; at < events.length; at += chunk) yield* apply(route, events.slice(at, at + chunk))
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
        yield* Effect.onExit(applyAll(payload, route), (exit) => endSpans(spans, exit))
      })

    return yield* runConsumer(kafka, {
      groupId: group,
      topics: [...routes.keys()],
      fromBeginning: true,
      tuning: settings.consumer,
      eachBatch: (payload) => Runtime.runPromise(runtime)(handleBatch(payload))
    })
  })
