import { Config, ConfigError, Effect, Either, Layer, Option } from "effect"
import { otlpTracing } from "./sdk"

/** The OTLP protocols spans can be exported with (gRPC is not among them). */
export type OtlpProtocol = "http/protobuf" | "http/json"

/** How spans are exported when they are. */
export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string
  readonly protocol: OtlpProtocol
  readonly serviceName: string
}

const protocols: ReadonlyArray<string> = ["http/protobuf", "http/json"] satisfies ReadonlyArray<OtlpProtocol>

/** An environment variable, trimmed; empty counts as unset, as the OpenTelemetry specification says. */
const variable = (name: string) =>
  Config.option(Config.string(name)).pipe(Config.map(Option.flatMap((value) => Option.liftPredicate(value.trim(), (v) => v !== ""))))

/**
 * Whether and how this process exports spans, from the standard OpenTelemetry environment variables: only with an
 * endpoint, and unless OTEL_SDK_DISABLED is `true` or OTEL_TRACES_EXPORTER (a comma-separated list) names no `otlp`.
 * The protocol is read only then: a process that does not trace never fails on it. The service is `serviceName`
 * unless OTEL_SERVICE_NAME says otherwise. The sampler (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG) and the
 * batching (OTEL_BSP_SCHEDULE_DELAY and the other OTEL_BSP_*) are read by the OpenTelemetry SDK itself.
 */
export const tracingConfig = (serviceName: string): Config.Config<Option.Option<TracingConfig>> =>
  Config.all({
    disabled: variable("OTEL_SDK_DISABLED"),
    exporters: variable("OTEL_TRACES_EXPORTER"),
    endpoint: Config.all([variable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), variable("OTEL_EXPORTER_OTLP_ENDPOINT")]),
    protocol: Config.all([variable("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"), variable("OTEL_EXPORTER_OTLP_PROTOCOL")]),
    serviceName: variable("OTEL_SERVICE_NAME")
  }).pipe(
    Config.mapOrFail(({ disabled, exporters, endpoint: [traces, base], protocol: [tracesProtocol, baseProtocol], ...rest }) => {
      const endpoint = Option.orElse(traces, () => base)
      const off =
        Option.exists(disabled, (d) => d.toLowerCase() === "true") ||
        !Option.getOrElse(exporters, () => "otlp")
          .split(",")
          .some((name) => name.trim().toLowerCase() === "otlp")
      if (off || Option.isNone(endpoint)) return Either.right(Option.none())
      const protocol = Option.getOrElse(
        Option.orElse(tracesProtocol, () => baseProtocol),
        () => "http/protobuf"
      )
      if (!protocols.includes(protocol))
        return Either.left(ConfigError.InvalidData([], `OTLP protocol "${protocol}" is not supported: use http/protobuf or http/json`))
      return Either.right(
        Option.some({
          endpoint: endpoint.value,
          protocol: protocol as OtlpProtocol,
          serviceName: Option.getOrElse(rest.serviceName, () => serviceName)
        })
      )
    })
  )

/** Who a process is in its traces: OTEL_SERVICE_NAME, or `name`, with `attributes` on every span it exports. */
export interface Service {
  readonly name: string
  readonly attributes?: Record<string, string>
}

/**
 * Tracing as the environment configures it (`tracingConfig`): spans batched to the OTLP endpoint, or, without one,
 * no tracing at all: no tracer installed, the OpenTelemetry tracing SDK not even loaded, and the shell's steps built
 * without spans.
 */
export const tracingFromEnv = ({ name, attributes = {} }: Service) =>
  Layer.unwrapEffect(
    Effect.map(tracingConfig(name), (config) =>
      Option.match(config, {
        onNone: () => Layer.empty,
        onSome: ({ protocol, serviceName }) => otlpTracing(protocol, serviceName, attributes)
      })
    )
  )
