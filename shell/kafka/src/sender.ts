import { Effect } from "effect"
import type { Message, Producer, TopicMessages } from "kafkajs"
import { kafkaCall, type KafkaFailure } from "./client"

interface Queued {
  readonly topic: string
  readonly messages: ReadonlyArray<Message>
  readonly done: (error?: unknown) => void
}

const byTopic = (queued: ReadonlyArray<Queued>): Array<TopicMessages> => {
  const topics = new Map<string, Array<Message>>()
  for (const { topic, messages } of queued) {
    const list = topics.get(topic) ?? []
    list.push(...messages)
    topics.set(topic, list)
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }))
}

/**
 * Sends at once when the producer is idle (no linger) and coalesces whatever arrives while a request is in
 * flight into the next one, so load raises the batch size instead of the number of requests. Messages of one
 * call keep their order; so do calls for one partition, since one request is in flight at a time. The promise
 * resolves once every broker acknowledged the messages (acks=all).
 */
export const makeBatchingSend = (producer: Producer) => {
  let queue: Array<Queued> = []
  let busy = false

  const flush = () => {
    if (busy || queue.length === 0) return
    const batch = queue
    queue = []
    busy = true
    producer
      .sendBatch({ acks: -1, topicMessages: byTopic(batch) })
      .then(
        () => batch.forEach((q) => q.done()),
        (error: unknown) => batch.forEach((q) => q.done(error ?? new Error("send failed")))
      )
      .finally(() => {
        busy = false
        flush()
      })
  }

  return (topic: string, messages: ReadonlyArray<Message>): Promise<void> =>
    messages.length === 0
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          queue.push({ topic, messages, done: (error) => (error === undefined ? resolve() : reject(error)) })
          flush()
        })
}

/** `makeBatchingSend` as an Effect: sends `messages` to `topic`, acknowledged by every broker. */
export const makeSender = (producer: Producer) => {
  const send = makeBatchingSend(producer)
  return (topic: string, messages: ReadonlyArray<Message>): Effect.Effect<void, KafkaFailure> =>
    messages.length === 0 ? Effect.void : kafkaCall(() => send(topic, messages))
}

export type Sender = ReturnType<typeof makeSender>
