import { randomUUID } from "node:crypto"
import { Effect, Layer, Schedule, Schema } from "effect"
import { Partitioners } from "kafkajs"
import { CommandBus } from "../../command-bus"
import { Timeout, Unavailable } from "../../errors"
import type { Committed } from "../../event-store"
import type { AnyHandler, Outcome } from "../../executor"
import { openSubscriber, RedisClient } from "../redis/client"
import { keysOf } from "../redis/keys"
import { kafkaCall, KafkaClient } from "./client"
import { namesOf } from "./config"
import { rejectionOf, type CommandMessage, type EventMessage } from "./messages"
import { makeResolver } from "./resolver"
import { makeSender } from "./sender"

export interface KafkaCommandBusOptions {
  readonly handlers: ReadonlyArray<AnyHandler>
  /** The channels some projector reads: a command's outcome waits for them, and only for them. */
  readonly projectedChannels: ReadonlySet<string>
}

/**
 * The bff's command bus: a command goes to its handler's commands topic keyed by its entity, so one entity's
 * commands stay in order on one partition; the answer comes once the outcome is known and, for an accepted
 * command, projected. Kafka down answers UNAVAILABLE; an outcome not known in time, TIMEOUT.
 */
export const KafkaCommandBus = ({ handlers, projectedChannels }: KafkaCommandBusOptions) =>
  Layer.scoped(
    CommandBus,
    Effect.gen(function* () {
      const { kafka, settings } = yield* KafkaClient
      const { redis, prefix } = yield* RedisClient
      const subscriber = yield* openSubscriber(redis)
      const resolver = yield* makeResolver({ redis, subscriber, keys: keysOf(prefix), instance: randomUUID() })
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
      yield* Effect.acquireRelease(
        kafkaCall(() => producer.connect()).pipe(Effect.retry(Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(60))))),
        () => Effect.promise(() => producer.disconnect())
      )
      const send = makeSender(producer)
      const names = namesOf(settings)
      const codecs = new Map(
        handlers.map((h) => [h, { command: Schema.encodeSync(h.command), event: Schema.decodeUnknownSync(h.event) }] as const)
      )
      const committed = (decode: (u: unknown) => unknown, events: ReadonlyArray<EventMessage>) =>
        events.map((e) => ({ ...e, event: decode(e.event) }) as Committed)

      const run = (handler: AnyHandler, command: unknown, envelope: CommandMessage["envelope"]) =>
        Effect.gen(function* () {
          const codec = codecs.get(handler)
          if (codec === undefined) return yield* Effect.dieMessage(`no handler ${handler.name} in this deployment`)
          const attempt = randomUUID()
          const reply = yield* resolver.expectReply(attempt)
          const message: CommandMessage = { handler: handler.name, command: codec.command(command), envelope, attempt, replyTo: resolver.replyTo }
          yield* send(names.topic(handler.reads), [{ key: handler.entity(command), value: JSON.stringify(message) }]).pipe(
            Effect.mapError(({ cause }) => new Unavailable({ dependency: "kafka", cause }))
          )
          const outcome = yield* reply
          if (outcome._tag === "Rejected") return yield* Effect.fail(rejectionOf(outcome.error))
          if (projectedChannels.has(handler.writes)) yield* resolver.projected(handler.writes, outcome.targets)
          return outcome._tag === "Applied"
            ? ({ _tag: "Applied", events: committed(codec.event, outcome.events) } satisfies Outcome)
            : ({ _tag: "Duplicate" } satisfies Outcome)
        }).pipe(
          Effect.scoped,
          Effect.timeoutFail({ duration: settings.commandTimeout, onTimeout: () => new Timeout({ commandId: envelope.commandId }) })
        )

      return CommandBus.of({ send: (handler, command, envelope) => run(handler, command, envelope) as never })
    })
  )
