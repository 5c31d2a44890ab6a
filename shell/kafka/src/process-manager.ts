import { randomUUID } from "node:crypto"
import { Clock, Effect, Runtime, Schema } from "effect"
import type { EachBatchPayload, KafkaMessage, Message } from "kafkajs"
import type { AnyProcessManager } from "@low/functions"
import { dispatcherOf, endSpans, envelopeOf, Tracing, type AnyHandler, type Dispatch } from "@low/core"
import { connectedProducer, KafkaClient } from "./client"
import { namesOf } from "./config"
import { runConsumer } from "./consumer"
import { heartbeatOf, makeDeadLetters, triedFor, Unhandled } from "./dead-letters"
import { type CommandMessage, decodeJson, EventMessage, noReply } from "./messages"
import { makeSender } from "./sender"
import { consumerSpan } from "./tracing"

const parse = decodeJson(EventMessage)

export interface ProcessManagerOptions {
  readonly handlers: ReadonlyArray<AnyHandler>
  readonly processManagers: ReadonlyArray<AnyProcessManager>
}

/**
 * Each process manager as a consumer group of its own over the events topic it reads. The commands a batch of
 * events causes go to their handlers' commands topics, keyed by entity (so one entity's commands keep their order),
 * acknowledged by every broker before the batch's offset is committed: a crash in between sends them again, with
 * the same commandIds (derived from the events), which their handlers apply once. No one waits for their replies.
 * An event that does not decode, or that the process manager throws on at every try, goes to the dead-letter topic.
 */
export const runProcessManagers = ({ handlers, processManagers }: ProcessManagerOptions) =>
  Effect.gen(function* () {
    const { kafka, settings } = yield* KafkaClient
    const names = namesOf(settings)
    const runtime = yield* Effect.runtime<never>()
    // Commands sent in one stretch of work go in one request: no client waits on them, and a saga's steps come in bursts.
    const send = makeSender(yield* connectedProducer(kafka), { gather: true })
    const deadLetters = makeDeadLetters(send, names.deadLetters)
    const tracing = yield* Tracing
    const encoders = new Map(handlers.map((h) => [h, Schema.encodeSync(h.command as Schema.Schema<unknown, unknown>)] as const))
    const running = []
    for (const processManager of processManagers) {
      const { source, dispatch } = dispatcherOf(processManager, handlers)
      const decode = Schema.decodeUnknownSync(source.event as Schema.Schema<{ readonly _tag: string }, unknown>)
      const group = names.processManagerGroup(processManager.name)

      /** The commands one event causes; it throws when the event is no event of the channel, or the manager throws. */
      const reactTo = (message: KafkaMessage) => {
        const stored = parse(message.value?.toString() ?? "")
        return dispatch({ ...stored, event: decode(stored.event) })
      }

      const commandOf = (d: Dispatch, at: string): { readonly topic: string; readonly message: Message } => {
        const message: CommandMessage = {
          handler: d.handler.name,
          command: encoders.get(d.handler)!(d.command),
          envelope: envelopeOf(d, at),
          // Each sending is a delivery of its own: one answered before (UNAVAILABLE while Redis caught up, say)
          // answers no later one.
          attempt: randomUUID(),
          replyTo: noReply
        }
        return { topic: names.topic(d.handler.reads), message: { key: d.handler.entity(d.command), value: JSON.stringify(message) } }
      }

      const handle = (payload: EachBatchPayload) =>
        Effect.gen(function* () {
          const { batch } = payload
          if (payload.isStale() || batch.isEmpty()) return
          const dispatches: Array<Dispatch> = []
          const letters: Array<{ readonly message: KafkaMessage; readonly reason: string }> = []
          for (const message of batch.messages) {
            const reacted = yield* triedFor(
              Effect.sync(() => reactTo(message)),
              { beat: heartbeatOf(payload) }
            ).pipe(
              Effect.catchIf(
                (e): e is Unhandled => e instanceof Unhandled,
                (e) =>
                  Effect.as(
                    Effect.sync(() => letters.push({ message, reason: e.reason })),
                    []
                  )
              )
            )
            dispatches.push(...reacted)
          }
          const at = new Date(yield* Clock.currentTimeMillis).toISOString()
          const byTopic = new Map<string, Array<Message>>()
          for (const d of dispatches) {
            const { topic, message } = commandOf(d, at)
            byTopic.set(topic, [...(byTopic.get(topic) ?? []), message])
          }
          yield* Effect.forEach(byTopic, ([topic, messages]) => send(topic, messages), { concurrency: "unbounded", discard: true })
          yield* deadLetters({ group, topic: batch.topic, partition: batch.partition }, letters)
        })

      const traced = (payload: EachBatchPayload) =>
        tracing
          ? Effect.flatMap(
              Effect.forEach(payload.batch.messages, (message) => consumerSpan(payload.batch, group, message)),
              (spans) => Effect.onExit(handle(payload), (exit) => endSpans(spans, exit))
            )
          : handle(payload)

      running.push(
        yield* runConsumer(kafka, {
          groupId: group,
          topics: [names.topic(processManager.reads)],
          fromBeginning: true,
          tuning: settings.consumer,
          eachBatch: (payload) => Runtime.runPromise(runtime)(Effect.as(traced(payload), undefined))
        })
      )
    }
    return {
      joined: Effect.all(
        running.map((r) => r.joined),
        { discard: true }
      )
    }
  })
