import { randomUUID } from "node:crypto"
import { Effect, Exit, Layer, Schedule, Schema, type Tracer } from "effect"
import { Partitioners } from "kafkajs"
import { CommandBus, spanOptions, Tracing } from "@low/core"
import { Timeout, Unavailable } from "@low/core"
import { makeDeadlines } from "@low/core"
import type { Committed } from "@low/core"
import type { AnyHandler, Outcome } from "@low/core"
import { openSubscriber, RedisClient } from "./redis/client"
import { RedisStore } from "./redis/store"
import { keysOf } from "./redis/keys"
import { kafkaCall, KafkaClient } from "./client"
import { namesOf } from "./config"
import { rejectionOf, type CommandMessage, type EventMessage } from "./messages"
import { makeResolver } from "./resolver"
import { makeBatchingSend, Withdrawn } from "./sender"
import { producerSpan, traceHeaders } from "./tracing"

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
      const { documentsChanged } = yield* RedisStore
      const resolver = yield* makeResolver({ redis, subscriber, keys: keysOf(prefix), instance: randomUUID(), documentsChanged })
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
      yield* Effect.acquireRelease(
        kafkaCall(() => producer.connect()).pipe(Effect.retry(Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(60))))),
        () => Effect.promise(() => producer.disconnect())
      )
      const send = makeBatchingSend(producer)
      const names = namesOf(settings)
      const codecs = new Map(
        handlers.map((h) => [h, { command: Schema.encodeSync(h.command), event: Schema.decodeUnknownSync(h.event) }] as const)
      )
      const committed = (decode: (u: unknown) => unknown, events: ReadonlyArray<EventMessage>) =>
        events.map((e) => ({ ...e, event: decode(e.event) }) as Committed)
      const deadlines = yield* makeDeadlines(settings.commandTimeout)
      const tracing = yield* Tracing
      const clock = yield* Effect.clock

      // A caller waits in one Effect.async, resumed once by whichever comes first: its outcome (after the
      // projection), a failure to send, or its deadline. No fiber, scope or timer is made per command. With spans
      // recorded, `waiting` is the caller's span, and the message carries the trace on to the handler.
      const run = (handler: AnyHandler, command: unknown, envelope: CommandMessage["envelope"], waiting?: Tracer.AnySpan) =>
        Effect.suspend(() => {
          const codec = codecs.get(handler)
          if (codec === undefined) return Effect.dieMessage(`no handler ${handler.name} in this deployment`)
          const attempt = randomUUID()
          const message: CommandMessage = {
            handler: handler.name,
            command: codec.command(command),
            envelope,
            attempt,
            replyTo: resolver.replyTo
          }
          const topic = names.topic(handler.reads)
          const key = handler.entity(command)
          const value = JSON.stringify(message)
          const waitFor = (sending?: Tracer.Span) =>
            Effect.async<Outcome, unknown>((resume) => {
              let stopWaiting = (): void => undefined
              // Once answered (TIMEOUT, or the caller gone), a command still waiting for its turn to be sent is not sent.
              let answered = false
              const deadline = deadlines.set(() => answer(Exit.fail(new Timeout({ commandId: envelope.commandId }))))
              const answer = (exit: Exit.Exit<Outcome, unknown>) => {
                if (answered) return
                answered = true
                deadline.settle()
                stopWaiting()
                resume(exit)
              }
              stopWaiting = resolver.onReply(attempt, (reply) => {
                if (reply._tag === "Rejected") return answer(Exit.fail(rejectionOf(reply.error)))
                const outcome: Outcome =
                  reply._tag === "Applied" ? { _tag: "Applied", events: committed(codec.event, reply.events) } : { _tag: "Duplicate" }
                if (!projectedChannels.has(handler.writes)) return answer(Exit.succeed(outcome))
                stopWaiting = resolver.whenProjected(handler.writes, reply.targets, () => answer(Exit.succeed(outcome)))
              })
              const withdrawn = () => answered
              if (sending === undefined)
                send(topic, [{ key, value }], withdrawn).catch((cause: unknown) =>
                  answer(Exit.fail(new Unavailable({ dependency: "kafka", cause })))
                )
              else
                send(topic, [{ key, value, headers: traceHeaders(sending) }], withdrawn).then(
                  () => sending.end(clock.unsafeCurrentTimeNanos(), Exit.void),
                  (cause: unknown) => {
                    // Withdrawn: its caller was answered before its turn came, and Kafka did not fail.
                    if (cause instanceof Withdrawn) {
                      sending.attribute("low.withdrawn", true)
                      return sending.end(clock.unsafeCurrentTimeNanos(), Exit.void)
                    }
                    const failure = Exit.fail(new Unavailable({ dependency: "kafka", cause }))
                    sending.end(clock.unsafeCurrentTimeNanos(), failure)
                    answer(failure)
                  }
                )
              // A caller that stops waiting (interrupted) leaves nothing behind.
              return Effect.sync(() => {
                answered = true
                deadline.settle()
                stopWaiting()
              })
            })
          // With spans recorded, the message is sent under a producer span, child of the caller's wait.
          return waiting === undefined ? waitFor() : Effect.flatMap(producerSpan(topic, key, waiting), waitFor)
        })

      /** The wait as a span, the message's producer span its child. */
      const traced = (handler: AnyHandler, command: unknown, envelope: CommandMessage["envelope"]) =>
        Effect.useSpan(`wait ${handler.writes}`, spanOptions(), (waiting) => run(handler, command, envelope, waiting))

      return CommandBus.of({
        send: (tracing ? traced : run) as CommandBus["Type"]["send"]
      })
    })
  )
