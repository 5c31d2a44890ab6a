import { Clock, Effect, type Tracer } from "effect"
import type { IHeaders, KafkaMessage } from "kafkajs"
import { continuing, spanOptions, traceparentOf } from "@low/core"

// Spans of messages as OpenTelemetry's messaging semantic conventions name them: "send <topic>" of kind producer
// and "process <topic>" of kind consumer, the trace carried from one to the other in a `traceparent` header.

/** A producer span for messages keyed `key` to `topic`, child of `parent` (else of the current span). */
export const producerSpan = (topic: string, key: string, parent?: Tracer.AnySpan) =>
  Effect.makeSpan(
    `send ${topic}`,
    spanOptions({
      kind: "producer",
      ...(parent === undefined ? {} : { parent }),
      attributes: {
        "messaging.system": "kafka",
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
        "messaging.destination.name": topic,
        "messaging.kafka.message.key": key
      }
    })
  )

/** The headers that carry `span`'s trace to whoever processes the message. */
export const traceHeaders = (span: Tracer.AnySpan): IHeaders => ({ traceparent: traceparentOf(span) })

const headerText = (value: IHeaders[string]) => (Array.isArray(value) ? value[0] : value)?.toString()

/**
 * A consumer span for one message of a batch, continuing the trace its `traceparent` header names, if any (linked to
 * it instead when the message is old: see `continuing`).
 */
export const consumerSpan = (batch: { readonly topic: string; readonly partition: number }, group: string, message: KafkaMessage) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.makeSpan(
      `process ${batch.topic}`,
      spanOptions({
        kind: "consumer",
        ...continuing(headerText(message.headers?.["traceparent"]), Number(message.timestamp), now),
        attributes: {
          "messaging.system": "kafka",
          "messaging.operation.type": "process",
          "messaging.operation.name": "process",
          "messaging.destination.name": batch.topic,
          "messaging.destination.partition.id": String(batch.partition),
          "messaging.consumer.group.name": group,
          "messaging.kafka.offset": Number(message.offset),
          ...(message.key === null ? {} : { "messaging.kafka.message.key": message.key.toString() })
        }
      })
    )
  )
