import { Clock, Context, Effect, Exit, type Tracer } from "effect"

/**
 * Whether this process records spans. Off by default; the telemetry layer turns it on when it has somewhere to send
 * them. Each part of the shell reads it once, when its layer is built, and builds its steps with spans or without:
 * with tracing off, a command runs the very code it ran before spans existed.
 */
export class Tracing extends Context.Reference<Tracing>()("low/core/Tracing", { defaultValue: (): boolean => false }) {}

/** The options of every span the shell makes: no stack trace captured (it would cost more than the span). */
export const spanOptions = (options?: Tracer.SpanOptions): Tracer.SpanOptions => ({ captureStackTrace: false, ...options })

/** `effect` in a span named `name` when `tracing`, or `effect` itself. */
export const spanWhen =
  (tracing: boolean) =>
  (name: string, options?: Tracer.SpanOptions) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    tracing ? Effect.withSpan(effect, name, spanOptions(options)) : effect

/** The W3C `traceparent` of a span: how its trace continues in another process, or in an event read later. */
export const traceparentOf = (span: Tracer.AnySpan) => `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

/** Ends `spans` now, as `exit` says (a failure marks them failed). */
export const endSpans = (spans: Iterable<Tracer.Span>, exit: Exit.Exit<unknown, unknown>) =>
  Effect.flatMap(Clock.currentTimeNanos, (now) =>
    Effect.sync(() => {
      const ended = Exit.isSuccess(exit) ? Exit.void : exit
      for (const span of spans) span.end(now, ended)
    })
  )
