// Effect's tracer over OpenTelemetry's, which is loaded only when a layer here is built (see `span-export.ts`).
import type { Attributes, AttributeValue, Span as OtelSpan, SpanContext } from "@opentelemetry/api"
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Cause, Effect, Exit, Layer, Option, Tracer } from "effect"
import { Tracing } from "@low/core"
import type { Started } from "./span-export"
import type { OtlpProtocol } from "./tracing"

type SpanExport = typeof import("./span-export")

/** How long closing the tracer waits for the spans left to be exported. */
const shutdownTimeout = "3 seconds"

/** An attribute as OpenTelemetry takes it: strings, numbers, booleans and arrays of them as they are, else text. */
const attributeValue = (value: unknown): AttributeValue =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? value
    : Array.isArray(value) && value.every((v) => typeof v === "string")
      ? (value as Array<string>)
      : typeof value === "bigint"
        ? value.toString()
        : (JSON.stringify(value) ?? String(value))

const attributesOf = (record: Readonly<Record<string, unknown>>): Attributes =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, attributeValue(value)]))

/** Nanoseconds as OpenTelemetry's [seconds, nanoseconds]. */
const hrTime = (nanos: bigint): [number, number] => [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)]

const spanContextOf = (span: Tracer.AnySpan): SpanContext => ({
  traceId: span.traceId,
  spanId: span.spanId,
  traceFlags: span.sampled ? 1 : 0,
  isRemote: span._tag === "ExternalSpan"
})

/**
 * One of Effect's spans, recorded as an OpenTelemetry span. Its parent is the Effect span it runs in, or none:
 * OpenTelemetry's own active context is not followed (no instrumentation of other libraries is used here, and
 * following it costs every step of every fiber; see BENCHMARKS.md).
 */
class Span implements Tracer.Span {
  readonly _tag = "Span"
  readonly span: OtelSpan
  readonly spanId: string
  readonly traceId: string
  readonly sampled: boolean
  readonly attributes = new Map<string, unknown>()
  status: Tracer.SpanStatus

  constructor(
    private readonly started: Started,
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Tracer.Span["context"],
    readonly links: Array<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    const { api, tracer } = started
    const otelParent = Option.isSome(parent) ? api.setSpanContext(api.ROOT_CONTEXT, spanContextOf(parent.value)) : api.ROOT_CONTEXT
    this.span = tracer.startSpan(
      name,
      {
        startTime: hrTime(startTime),
        kind: api.SpanKind[kind.toUpperCase() as Uppercase<Tracer.SpanKind>],
        ...(links.length === 0
          ? {}
          : { links: links.map((link) => ({ context: spanContextOf(link.span), attributes: attributesOf(link.attributes) })) })
      },
      otelParent
    )
    const own = this.span.spanContext()
    this.spanId = own.spanId
    this.traceId = own.traceId
    this.sampled = (own.traceFlags & 1) === 1
    this.status = { _tag: "Started", startTime }
  }

  attribute(key: string, value: unknown) {
    this.span.setAttribute(key, attributeValue(value))
    this.attributes.set(key, value)
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>) {
    this.links.push(...links)
    this.span.addLinks(links.map((link) => ({ context: spanContextOf(link.span), attributes: attributesOf(link.attributes) })))
  }

  event(name: string, startTime: bigint, attributes?: Record<string, unknown>) {
    this.span.addEvent(name, attributes === undefined ? undefined : attributesOf(attributes), hrTime(startTime))
  }

  /** Ends the span: OK on success or interruption only, else the first error recorded and the status ERROR. */
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>) {
    const { SpanStatusCode } = this.started.api
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
    if (Exit.isSuccess(exit)) this.span.setStatus({ code: SpanStatusCode.OK })
    else if (Cause.isInterruptedOnly(exit.cause)) {
      this.span.setStatus({ code: SpanStatusCode.OK, message: "interrupted" })
      this.span.setAttribute("status.interrupted", true)
    } else {
      const error = Cause.prettyErrors(exit.cause)[0]
      if (error === undefined) this.span.setStatus({ code: SpanStatusCode.OK })
      else {
        this.span.recordException(error, hrTime(endTime))
        this.span.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
      }
    }
    this.span.end(hrTime(endTime))
  }
}

/**
 * Spans recorded through the processor `processorOf` makes, filed under `serviceName` with `attributes`, and the
 * shell told to make them. The SDK is loaded when the layer is built; when the layer closes, what is left is
 * exported, for at most 3 s.
 */
const tracingWith = (processorOf: (sdk: SpanExport) => SpanProcessor, serviceName: string, attributes: Record<string, string>) =>
  Layer.unwrapScoped(
    Effect.map(
      Effect.acquireRelease(
        Effect.map(
          Effect.promise(() => import("./span-export")),
          (sdk) => sdk.startTracing(processorOf(sdk), serviceName, attributes)
        ),
        (started) => Effect.promise(started.shutdown).pipe(Effect.ignoreLogged, Effect.interruptible, Effect.timeoutOption(shutdownTimeout))
      ),
      (started) =>
        Layer.merge(
          Layer.setTracer(
            Tracer.make({
              span: (name, parent, context, links, startTime, kind) =>
                new Span(started, name, parent, context, [...links], startTime, kind),
              context: (execution) => execution()
            })
          ),
          Layer.succeed(Tracing, true)
        )
    )
  )

/** Spans handed to `processor`, filed under `serviceName` with `attributes`, and the shell told to make them. */
export const tracingTo = (processor: SpanProcessor, serviceName: string, attributes: Record<string, string> = {}) =>
  tracingWith(() => processor, serviceName, attributes)

/** Spans batched to the OTLP endpoint the environment names, with `protocol` (see `otlpProcessor`). */
export const otlpTracing = (protocol: OtlpProtocol, serviceName: string, attributes: Record<string, string>) =>
  tracingWith((sdk) => sdk.otlpProcessor(protocol), serviceName, attributes)
