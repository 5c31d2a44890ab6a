// The OpenTelemetry tracing SDK and API: a tracer provider, a batching span processor, OTLP exporters. Loaded with
// `import()` by a process that records spans (see `sdk.ts`), so one that does not never loads any of it: loaded in
// every process, OpenTelemetry's packages alone cost a mutation several per cent of its CPU, in garbage collection
// (see BENCHMARKS.md, "Tracing off"). It imports nothing of Effect: a bundle initialises a module loaded on demand,
// and every module it imports, lazily, and Effect's modules initialised lazily would cost every request too.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes } from "@opentelemetry/api"
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { OTLPTraceExporter as OtlpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto"
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources"
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node"
import type { OtlpProtocol } from "./tracing"

/**
 * Spans batched (OTEL_BSP_* say how) to the OTLP exporter for `protocol`, which finds its endpoint in the
 * environment as the OTLP exporter specification says: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, or
 * OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces added.
 */
export const otlpProcessor = (protocol: OtlpProtocol): SpanProcessor =>
  new BatchSpanProcessor(protocol === "http/json" ? new OtlpJsonExporter() : new OtlpProtobufExporter())

/**
 * A tracer whose spans go to `processor`, filed under `serviceName` with `attributes` over those of
 * OTEL_RESOURCE_ATTRIBUTES; the sampler is the one OTEL_TRACES_SAMPLER names. `shutdown` exports what is left, then
 * stops. With it, what the Effect side needs of OpenTelemetry's API, so that it imports none of it.
 */
export const startTracing = (processor: SpanProcessor, serviceName: string, attributes: Attributes) => {
  const resource = detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({ ...attributes, "service.name": serviceName })
  )
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] })
  return {
    tracer: provider.getTracer(serviceName),
    shutdown: () => provider.forceFlush().then(() => provider.shutdown()),
    api: { ROOT_CONTEXT, setSpanContext: trace.setSpanContext, SpanKind, SpanStatusCode }
  }
}

export type Started = ReturnType<typeof startTracing>
