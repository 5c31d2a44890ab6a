import { Clock, Context, Effect, Exit, Tracer } from "effect"

/**
 * Whether this process records spans. Off by default; the telemetry layer turns it on when it has somewhere to send
 * them. Each part of the shell reads it once, when its layer is built, and builds its steps with spans or without:
 * with tracing off, no span is made and nothing is read or written for one.
 */
export class Tracing extends Context.Reference<Tracing>()("low/core/Tracing", { defaultValue: (): boolean => false }) {}

/** The options of every span the shell makes: no stack trace captured (it would cost more than the span). */
export const spanOptions = (options?: Tracer.SpanOptions): Tracer.SpanOptions => ({ captureStackTrace: false, ...options })

/** The W3C `traceparent` of a span: how its trace continues in another process, or in an event read later. */
export const traceparentOf = (span: Tracer.AnySpan) => `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

// version-traceId-parentId-flags; a later version may add fields after these (W3C Trace Context, level 1).
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const allZeros = /^0+$/

/**
 * The span a W3C `traceparent` names, to continue its trace here; undefined when there is none or it is invalid
 * (version ff, version 00 with more fields, an all-zero id), in which case a new trace starts, as the
 * specification says.
 */
export const spanOfTraceparent = (header: string | undefined): Tracer.ExternalSpan | undefined => {
  const match = header === undefined ? null : traceparentPattern.exec(header.trim())
  if (match === null) return undefined
  const [, version, traceId, spanId, flags, more] = match as unknown as [string, string, string, string, string, string | undefined]
  if (version === "ff" || (version === "00" && more !== undefined) || allZeros.test(traceId) || allZeros.test(spanId)) return undefined
  return Tracer.externalSpan({ traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 })
}

/** Ends `spans` now, as `exit` says (a failure marks them failed). */
export const endSpans = (spans: Iterable<Tracer.Span>, exit: Exit.Exit<unknown, unknown>) =>
  Effect.flatMap(Clock.currentTimeNanos, (now) =>
    Effect.sync(() => {
      const ended = Exit.isSuccess(exit) ? Exit.void : exit
      for (const span of spans) span.end(now, ended)
    })
  )

/**
 * Work on a message or an event older than this is a replay or a catch-up (a rebuild, a consumer far behind), no
 * longer part of the request that wrote it: its span starts a trace of its own, linked to that one, rather than
 * growing a trace that ended long ago.
 */
export const continueTraceWithinMs = 60_000

/**
 * Where the span of work on something written at `writtenAtMs` with `traceparent` belongs, at `nowMs`: in that
 * trace (its child) while it is recent, else at the root of a new trace linked to it.
 */
export const continuing = (traceparent: string | undefined, writtenAtMs: number, nowMs: number): Tracer.SpanOptions => {
  const origin = spanOfTraceparent(traceparent)
  if (origin === undefined) return { root: true }
  return nowMs - writtenAtMs <= continueTraceWithinMs
    ? { parent: origin }
    : { root: true, links: [{ _tag: "SpanLink", span: origin, attributes: {} }] }
}
