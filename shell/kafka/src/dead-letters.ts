import { Cause, Effect, Schedule } from "effect"
import type { Admin, IHeaders, KafkaMessage, Message } from "kafkajs"
import { totals } from "@low/core"
import { kafkaCall, type KafkaFailure } from "./client"

/**
 * A message that cannot be decoded, or that makes its consumer throw however often it is tried, would block its
 * partition for good if retried forever, and would be lost without trace if skipped. It goes to the dead-letter
 * topic instead, as it was read (key, value, headers) with headers saying where it came from and why, and the
 * partition moves on. Failures of Kafka or Redis themselves never put a message aside: they stop the batch, which
 * is delivered again once they are back.
 */
export const deadLetterHeaders = {
  reason: "dead-letter-reason",
  topic: "dead-letter-topic",
  partition: "dead-letter-partition",
  offset: "dead-letter-offset",
  group: "dead-letter-group"
} as const

/** Where a message was read: the consumer group and the partition. */
export interface Source {
  readonly group: string
  readonly topic: string
  readonly partition: number
}

/** How often a consumer tries a message that throws before putting it aside. */
export const triesBeforeDeadLetter = 3

const putAside = totals(
  "low_dead_letters_total",
  "Messages put in the dead-letter topic because they could not be decoded or made their consumer throw, by consumer group and topic read."
)

/** Why a message threw, in a line for the dead letter's header: the thrown error's message, or the cause's. */
export const reasonOf = (cause: Cause.Cause<unknown>) => {
  const squashed = Cause.squash(cause)
  return squashed instanceof Error ? `${squashed.name}: ${squashed.message}` : Cause.pretty(cause).split("\n")[0]!
}

/** A message that threw on every try, and why. */
export class Unhandled {
  readonly _tag = "Unhandled"
  constructor(readonly reason: string) {}
}

/**
 * Runs `effect` for one message up to `tries` times while it dies (a defect: the consumer's own code threw), 100 ms
 * apart and then longer, and then fails with `Unhandled`. Its typed failures (a dependency away) pass through. The
 * first try costs one step more than `effect`: the tries after it are set up only once it has died, and each is
 * preceded by `beat` (the consumer's heartbeat, so that a batch of many such messages keeps its partitions).
 */
export const triedFor = <A, E, R, E2>(
  effect: Effect.Effect<A, E, R>,
  { tries = triesBeforeDeadLetter, beat = Effect.void }: { readonly tries?: number; readonly beat?: Effect.Effect<void, E2> } = {}
): Effect.Effect<A, E | E2 | Unhandled, R> => {
  const unhandled = (defect: unknown) => Effect.fail(new Unhandled(reasonOf(Cause.die(defect))))
  return Effect.catchAllDefect(effect, (defect) =>
    tries <= 1
      ? unhandled(defect)
      : Effect.zipRight(
          Effect.sleep("100 millis"),
          Effect.retry(Effect.zipRight(beat, Effect.catchAllDefect(effect, unhandled)), {
            schedule: Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(tries - 2))),
            while: (e) => e instanceof Unhandled
          })
        )
  )
}

/** The consumer's heartbeat, as `triedFor` takes it: sent when the heartbeat interval has passed since the last. */
export const heartbeatOf = (payload: { readonly heartbeat: () => Promise<void> }) => kafkaCall(() => payload.heartbeat())

/**
 * Sends messages to the dead-letter topic with `send` (acknowledged by every broker before the offset that passes
 * over them is committed), logs each one and counts it.
 */
export const makeDeadLetters =
  (send: (topic: string, messages: ReadonlyArray<Message>) => Effect.Effect<void, KafkaFailure>, topic: string) =>
  (source: Source, letters: ReadonlyArray<{ readonly message: KafkaMessage; readonly reason: string }>) =>
    letters.length === 0
      ? Effect.void
      : Effect.gen(function* () {
          yield* send(
            topic,
            letters.map(({ message, reason }) => ({
              key: message.key,
              value: message.value,
              headers: {
                ...message.headers,
                [deadLetterHeaders.reason]: reason,
                [deadLetterHeaders.topic]: source.topic,
                [deadLetterHeaders.partition]: String(source.partition),
                [deadLetterHeaders.offset]: message.offset,
                [deadLetterHeaders.group]: source.group
              } satisfies IHeaders
            }))
          )
          putAside({ group: source.group, topic: source.topic }).add(letters.length)
          for (const { message, reason } of letters)
            yield* Effect.logError("message put in the dead-letter topic", {
              deadLetterTopic: topic,
              ...source,
              offset: message.offset,
              reason
            })
        })

/** How many messages the dead-letter topic holds: what `/healthz` shows. */
export const deadLetterCount = (admin: Admin, topic: string) =>
  kafkaCall(() => admin.fetchTopicOffsets(topic)).pipe(
    Effect.map((partitions) => partitions.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0))
  )
