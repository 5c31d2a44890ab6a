// The OpenTelemetry SDK, loaded only by a process that exports spans (see `tracingFromEnv`): one that does not never
// evaluates it.
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { OTLPTraceExporter as OtlpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto"
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Layer } from "effect"
import { Tracing } from "@low/core"
import type { OtlpProtocol } from "./tracing"

/** Spans handed to `processor`, filed under `serviceName` with `attributes`, and the shell told to make them. */
export const tracingTo = (processor: SpanProcessor, serviceName: string, attributes: Record<string, string> = {}) =>
  Layer.merge(
    NodeSdk.layer(() => ({ resource: { serviceName, attributes }, spanProcessor: processor })),
    Layer.succeed(Tracing, true)
  )

/**
 * Spans batched (OTEL_BSP_* say how) to the OTLP exporter for `protocol`, which finds its endpoint in the
 * environment as the OTLP exporter specification says: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, or
 * OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces added.
 */
export const otlpTracing = (protocol: OtlpProtocol, serviceName: string, attributes: Record<string, string>) =>
  tracingTo(new BatchSpanProcessor(protocol === "http/json" ? new OtlpJsonExporter() : new OtlpProtobufExporter()), serviceName, attributes)
