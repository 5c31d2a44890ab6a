// The OpenTelemetry SDK, loaded only by a process that exports spans (see `tracingFromEnv`): one that does not never
// evaluates it.
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import * as Resource from "@effect/opentelemetry/Resource"
import * as OtelTracer from "@effect/opentelemetry/Tracer"
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { OTLPTraceExporter as OtlpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto"
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
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

/** Spans handed to `processor`, filed under `serviceName` with `attributes`, and the shell told to make them. */
export const tracingTo = (processor: SpanProcessor, serviceName: string, attributes: Record<string, string> = {}) => {
  // The resource as @effect/opentelemetry's NodeSdk makes it: OTEL_RESOURCE_ATTRIBUTES, then these.
  const resource = Resource.layerFromEnv(Resource.configToAttributes({ serviceName, attributes }))
  const provider = Layer.provideMerge(NodeSdk.layerTracerProvider(processor), resource)
  return Layer.merge(effectTracer.pipe(Layer.provide(OtelTracer.layerTracer), Layer.provide(provider)), Layer.succeed(Tracing, true))
}

/**
 * Spans batched (OTEL_BSP_* say how) to the OTLP exporter for `protocol`, which finds its endpoint in the
 * environment as the OTLP exporter specification says: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, or
 * OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces added.
 */
export const otlpTracing = (protocol: OtlpProtocol, serviceName: string, attributes: Record<string, string>) =>
  tracingTo(new BatchSpanProcessor(protocol === "http/json" ? new OtlpJsonExporter() : new OtlpProtobufExporter()), serviceName, attributes)
