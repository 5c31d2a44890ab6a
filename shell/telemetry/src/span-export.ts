// The OpenTelemetry tracing SDK: a tracer provider, a batching span processor, OTLP exporters. Loaded with `import()`
// by a process that exports spans (see `sdk.ts`), so one that does not never loads it. It imports nothing of
// Effect: a bundle initialises a module loaded on demand, and every module it imports, lazily, and Effect's modules
// initialised lazily would cost every request of every process, tracing or not (see BENCHMARKS.md, "Tracing off").
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { OTLPTraceExporter as OtlpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto"
import type { Resource } from "@opentelemetry/resources"
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

/** A tracer provider that hands the spans of `resource` to `processor`; the sampler is the one OTEL_TRACES_SAMPLER names. */
export const tracerProvider = (resource: Resource, processor: SpanProcessor) =>
  new NodeTracerProvider({ resource, spanProcessors: [processor] })
