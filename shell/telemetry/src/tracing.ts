import { NodeSdk } from "@effect/opentelemetry"
import { parseTraceParent } from "@opentelemetry/core"
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { OTLPTraceExporter as OtlpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto"
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Config, ConfigError, Effect, Either, Layer, Option, Tracer } from "effect"
import { Tracing } from "@low/core"

/** The OTLP protocols spans can be exported with (gRPC is not among them). */
export type OtlpProtocol = "http/protobuf" | "http/json"

/** Where spans go, from the standard OpenTelemetry environment variables. */
export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT; none turns tracing off. */
  readonly endpoint: Option.Option<string>
  readonly protocol: OtlpProtocol
  readonly serviceName: string
}

const protocols: ReadonlyArray<OtlpProtocol> = ["http/protobuf", "http/json"]

const protocolConfig = Config.string("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").pipe(
  Config.orElse(() => Config.string("OTEL_EXPORTER_OTLP_PROTOCOL")),
  Config.withDefault("http/protobuf"),
  Config.mapOrFail((name) =>
    protocols.includes(name as OtlpProtocol)
      ? Either.right(name as OtlpProtocol)
      : Either.left(ConfigError.InvalidData([], `OTLP protocol "${name}" is not supported: use http/protobuf or http/json`))
  )
)

/**
 * The tracing configuration of a process whose service is called `serviceName` unless OTEL_SERVICE_NAME says
 * otherwise. OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn tracing off whatever the endpoint. The
 * sampler (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG) and the batching (OTEL_BSP_SCHEDULE_DELAY and the other
 * OTEL_BSP_*) are read by the OpenTelemetry SDK itself.
 */
export const tracingConfig = (serviceName: string): Config.Config<TracingConfig> =>
  Config.all({
    endpoint: Config.option(
      Config.nonEmptyString("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").pipe(
        Config.orElse(() => Config.nonEmptyString("OTEL_EXPORTER_OTLP_ENDPOINT"))
      )
    ),
    protocol: protocolConfig,
    serviceName: Config.nonEmptyString("OTEL_SERVICE_NAME").pipe(Config.withDefault(serviceName)),
    disabled: Config.boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
    exporter: Config.string("OTEL_TRACES_EXPORTER").pipe(Config.withDefault("otlp"))
  }).pipe(
    Config.map(({ endpoint, protocol, serviceName, disabled, exporter }) => ({
      endpoint: disabled || exporter.trim() === "none" ? Option.none() : endpoint,
      protocol,
      serviceName
    }))
  )

/** Spans handed to `processor`, under `serviceName`, and the shell told to make them. */
export const tracingTo = (processor: SpanProcessor, serviceName: string, attributes: Record<string, string> = {}) =>
  Layer.merge(
    NodeSdk.layer(() => ({ resource: { serviceName, attributes }, spanProcessor: processor })),
    Layer.succeed(Tracing, true)
  )

/** The exporter for `protocol`; it finds its endpoint in the environment, as the OTLP exporter specification says. */
const exporterFor = (protocol: OtlpProtocol) => (protocol === "http/json" ? new OtlpJsonExporter() : new OtlpProtobufExporter())

/**
 * Tracing as the environment configures it: spans batched to the OTLP endpoint, or, without one, no tracing at all
 * (no tracer installed, and the shell builds its steps without spans). `attributes` describe this process (its
 * roles, for instance) on every span it exports.
 */
export const tracingFromEnv = (serviceName: string, attributes: Record<string, string> = {}) =>
  Layer.unwrapEffect(
    Effect.map(tracingConfig(serviceName), (config) =>
      Option.isNone(config.endpoint)
        ? Layer.empty
        : tracingTo(new BatchSpanProcessor(exporterFor(config.protocol)), config.serviceName, attributes)
    )
  )

/** The span a W3C `traceparent` names, to continue its trace in this process; undefined when missing or invalid. */
export const spanOfTraceparent = (header: string | undefined): Tracer.ExternalSpan | undefined => {
  const context = header === undefined ? null : parseTraceParent(header)
  return context === null
    ? undefined
    : Tracer.externalSpan({ traceId: context.traceId, spanId: context.spanId, sampled: (context.traceFlags & 1) === 1 })
}
