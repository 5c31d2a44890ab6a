import { Effect, type ParseResult, Schedule, Schema } from "effect"
import type { PortFailure } from "@low/functions"
import type { Unavailable } from "@low/core"
import type { AnyHandler, Executor, ExecutorPorts } from "@low/core"
import type { EncodedEvent } from "./redis/outbox"
import { isRefusal, targetsOf, type RedisStoreShape } from "./redis/store"
import type { CommandMessage, Reply } from "./messages"

/** A commands topic's handler, with the codecs its messages need. */
export interface Route {
  readonly handler: AnyHandler
  /** The events topic. */
  readonly out: string
  readonly decode: (u: unknown) => Effect.Effect<unknown, ParseResult.ParseError>
  readonly encode: (event: unknown) => unknown
}

export const routeOf = (handler: AnyHandler, topic: (channel: string) => string): Route => ({
  handler,
  out: topic(handler.writes),
  decode: Schema.decodeUnknown(handler.command),
  encode: Schema.encodeSync(handler.event)
})

/** What one delivery decided: its reply (none when it came too late to be decided), and the events to publish. */
export interface Decided {
  readonly delivery: CommandMessage
  readonly key: string
  readonly entity: string
  readonly reply: Reply | undefined
  readonly events: ReadonlyArray<EncodedEvent>
}

const infrastructure = (e: { readonly _tag: string }): e is Unavailable | PortFailure =>
  e._tag === "Unavailable" || e._tag === "PortFailure"

/**
 * Decides one delivery of a command with the executor. A command accepted before answers Duplicate and brings back
 * whatever of its events a crash left unpublished. A stale delivery (older than the time its reply is kept, so a
 * redelivery of it could no longer be recognized) is not decided at all; it only gets its unpublished events out.
 */
export const makeDecide =
  (executor: Executor["Type"], store: RedisStoreShape) =>
  (route: Route, delivery: CommandMessage, stale: boolean): Effect.Effect<Decided, Unavailable | PortFailure, ExecutorPorts> =>
    Effect.gen(function* () {
      const command = yield* route.decode(delivery.command)
      const key = route.handler.entity(command)
      const entity = `${route.handler.name}/${key}`
      const done = (reply: Reply | undefined, events: ReadonlyArray<EncodedEvent> = []): Decided => ({
        delivery,
        key,
        entity,
        reply,
        events
      })
      const unpublished = store.outbox.pending(entity, delivery.envelope.commandId)
      if (stale) {
        yield* Effect.logWarning("command not decided: older than REPLY_TTL_MS, a redelivery of it could no longer be recognized", {
          handler: route.handler.name,
          commandId: delivery.envelope.commandId
        })
        return yield* Effect.map(unpublished, ({ events }) => done(undefined, events))
      }
      return yield* executor.run(route.handler, command, delivery.envelope).pipe(
        Effect.flatMap((outcome) => {
          if (outcome._tag === "Duplicate")
            return Effect.map(unpublished, ({ events, targets }) => done({ _tag: "Duplicate", targets }, events))
          const events = outcome.events.map((e) => ({ ...e, event: route.encode(e.event) }))
          // The commit's record is for the log; the reply goes without it.
          const answered = events.map(({ commit: _, ...e }: EncodedEvent & { readonly commit?: unknown }) => e)
          return Effect.succeed(done({ _tag: "Applied", events: answered, targets: targetsOf(outcome.events) }, events))
        }),
        Effect.catchIf(
          (e) => !infrastructure(e),
          (e) => Effect.succeed(done({ _tag: "Rejected", error: { ...e } }))
        )
      )
    }).pipe(
      Effect.catchTag("ParseError", (e) =>
        Effect.succeed<Decided>({
          delivery,
          key: "",
          entity: "",
          events: [],
          reply: { _tag: "Rejected", error: { _tag: "BadInput", message: e.message } }
        })
      ),
      // Redis or Kafka briefly away: try the delivery again (it is idempotent) before giving up the batch. Not so a
      // Redis that lacks the log's state (the batch gives up at once, and its redelivery is answered UNAVAILABLE),
      // nor a partition this member no longer owns (its new owner decides the delivery).
      Effect.retry({
        schedule: Schedule.exponential("50 millis").pipe(Schedule.intersect(Schedule.recurs(5))),
        while: (e) => infrastructure(e) && !isRefusal(e)
      })
    )
