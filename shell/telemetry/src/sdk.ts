// Effect's tracer over OpenTelemetry's. The SDK itself (`span-export.ts`) is loaded only when a layer here is built.
import * as Resource from "@effect/opentelemetry/Resource"
import * as OtelTracer from "@effect/opentelemetry/Tracer"
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer, Tracer as EffectTracer } from "effect"
import { Tracing } from "@low/core"
import type { OtlpProtocol } from "./tracing"

/**
 * Effect's tracer over OpenTelemetry's: spans made by @effect/opentelemetry, but without its per-step hook, which
 * makes OpenTelemetry's own active context follow Effect's around every step of every fiber in a span, for
 * OpenTelemetry's instrumentations of other libraries. This project uses none, and the hook alone took a mutation's
 * CPU to 2.5 times what it is without tracing, whether its trace was sampled or not (see BENCHMARKS.md).
 */
const effectTracer = Layer.unwrapEffect(
  Effect.map(OtelTracer.make, (otel) =>
    Layer.setTracer(
      EffectTracer.make({
        span: (name, parent, context, links, startTime, kind, options) => otel.span(name, parent, context, links, startTime, kind, options),
        context: (execution) => execution()
      })
    )
  )
)

type SpanExport = typeof import("./span-export")

/** How long closing the tracer provider waits for the spans left to be exported. */
const shutdownTimeout = "3 seconds"

/**
 * The tracer provider, with the processor `processorOf` makes: made when the layer is built (the SDK loaded then),
 * and, when its scope closes, flushed then shut down.
 */
const tracerProvider = (processorOf: (sdk: SpanExport) => SpanProcessor) =>
  Layer.scoped(
    OtelTracer.OtelTracerProvider,
    Effect.flatMap(Resource.Resource, (resource) =>
      Effect.acquireRelease(
        Effect.map(
          Effect.promise(() => import("./span-export")),
          (sdk) => sdk.tracerProvider(resource, processorOf(sdk))
        ),
        (provider) =>
          Effect.promise(() => provider.forceFlush().then(() => provider.shutdown())).pipe(
            Effect.ignoreLogged,
            Effect.interruptible,
            Effect.timeoutOption(shutdownTimeout)
          )
      )
    )
  )

const tracingWith = (processorOf: (sdk: SpanExport) => SpanProcessor, serviceName: string, attributes: Record<string, string>) => {
  // The resource as @effect/opentelemetry's NodeSdk makes it: OTEL_RESOURCE_ATTRIBUTES, then these.
  const resource = Resource.layerFromEnv(Resource.configToAttributes({ serviceName, attributes }))
  const provider = Layer.provideMerge(tracerProvider(processorOf), resource)
  return Layer.merge(effectTracer.pipe(Layer.provide(OtelTracer.layerTracer), Layer.provide(provider)), Layer.succeed(Tracing, true))
}

/** Spans handed to `processor`, filed under `serviceName` with `attributes`, and the shell told to make them. */
export const tracingTo = (processor: SpanProcessor, serviceName: string, attributes: Record<string, string> = {}) =>
  tracingWith(() => processor, serviceName, attributes)

/** Spans batched to the OTLP endpoint the environment names, with `protocol` (see `otlpProcessor`). */
export const otlpTracing = (protocol: OtlpProtocol, serviceName: string, attributes: Record<string, string>) =>
  tracingWith((sdk) => sdk.otlpProcessor(protocol), serviceName, attributes)
