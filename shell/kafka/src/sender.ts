import { Effect } from "effect"
import type { Message, Producer, TopicMessages } from "kafkajs"
import { kafkaCall, type KafkaFailure } from "./client"

interface Queued {
  readonly topic: string
  readonly messages: ReadonlyArray<Message>
  readonly done: (error?: unknown) => void
  /** Whether the sender no longer wants them sent (its caller was answered meanwhile): checked when they would go. */
  readonly withdrawn?: (() => boolean) | undefined
}

/** What a send that was withdrawn before it went rejects with: nothing of it was sent. */
export class Withdrawn extends Error {
  constructor() {
    super("withdrawn before it was sent")
  }
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
 * Sends what arrives while a request is in flight together in the next one, so load raises the batch size instead
 * of the number of requests: each request costs a socket write here and a wake-up of the broker there, whatever it
 * carries. While nothing is in flight, a send goes at once; or, with `gather`, the first one queues the request as a
 * microtask, so the sends made before it runs (say, by the fibers one socket read resumed) join it, with no wait for
 * a timer or I/O. Gathering saves requests where sends come in bursts (the consumers' batches of one fetch), and can
 * hold a send back behind the work in hand: a bff that gathered its commands read a higher p99 (see BENCHMARKS.md).
 * Messages of one call keep their order; so do calls for one partition, since one request is in flight at a time.
 * The promise resolves once every broker acknowledged the messages (acks=all); a request that fails fails every
 * send it carried.
 */
export const makeBatchingSend = (producer: Producer, { gather = false }: { readonly gather?: boolean } = {}) => {
  let queue: Array<Queued> = []
  let busy = false
  let soon = false

  /** Flushes now, or with `gather` once the work in hand is done; unless a request in flight will flush as it ends. */
  const flushSoon = () => {
    if (busy || soon) return
    if (!gather) return flush()
    soon = true
    queueMicrotask(() => {
      soon = false
      flush()
    })
  }

  /** Whether `q` still wants sending; a `withdrawn` that throws says no, and its send rejects with what it threw. */
  const wanted = (q: Queued) => {
    try {
      if (q.withdrawn?.() !== true) return true
      q.done(new Withdrawn())
    } catch (error) {
      q.done(error)
    }
    return false
  }

  const flush = () => {
    if (busy) return
    const batch = queue.filter(wanted)
    queue = []
    if (batch.length === 0) return
    busy = true
    // A producer that throws rather than rejects fails this request's sends alike, and the next request still goes.
    new Promise((resolve) => resolve(producer.sendBatch({ acks: -1, topicMessages: byTopic(batch) })))
      .then(
        () => batch.forEach((q) => q.done()),
        (error: unknown) => batch.forEach((q) => q.done(error ?? new Error("send failed")))
      )
      .finally(() => {
        busy = false
        flush()
      })
  }

  /**
   * Sends `messages` to `topic`. Until the request that carries them is made, `withdrawn` may take them back: when it
   * says so then, they are not sent, and the promise rejects with `Withdrawn`.
   */
  return (topic: string, messages: ReadonlyArray<Message>, withdrawn?: () => boolean): Promise<void> =>
    messages.length === 0
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          queue.push({ topic, messages, done: (error) => (error === undefined ? resolve() : reject(error)), withdrawn })
          flushSoon()
        })
}

/** `makeBatchingSend` as an Effect: sends `messages` to `topic`, acknowledged by every broker. */
export const makeSender = (producer: Producer, options?: { readonly gather?: boolean }) => {
  const send = makeBatchingSend(producer, options)
  return (topic: string, messages: ReadonlyArray<Message>): Effect.Effect<void, KafkaFailure> =>
    messages.length === 0 ? Effect.void : kafkaCall(() => send(topic, messages))
}

export type Sender = ReturnType<typeof makeSender>
