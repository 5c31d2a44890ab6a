import { ConfigProvider, Effect, Either, Option } from "effect"
import { describe, expect, it } from "vitest"
import { tracingConfig } from "./tracing"

/** What `tracingConfig("svc")` reads from an environment holding `env` alone. */
const read = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(tracingConfig("svc"), ConfigProvider.fromMap(new Map(Object.entries(env))))))

const on = (env: Record<string, string>) => Either.getOrThrow(read(env))

describe("tracing configuration from OTEL_* variables", () => {
  it("given no endpoint, then no tracing, whatever else is set, a protocol it cannot speak included", () => {
    expect(on({})).toEqual(Option.none())
    expect(on({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc", OTEL_SERVICE_NAME: "x" })).toEqual(Option.none())
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "  " })).toEqual(Option.none())
  })

  it("given an endpoint, then spans go there as OTLP/protobuf (the specification's default) under the service given in code", () => {
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toEqual(
      Option.some({ endpoint: "http://collector:4318", protocol: "http/protobuf", serviceName: "svc" })
    )
  })

  it("given the traces' own endpoint and protocol, then they win over the general ones; an empty value counts as unset", () => {
    expect(
      on({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://general:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:4318/v1/traces",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
        OTEL_SERVICE_NAME: ""
      })
    ).toEqual(Option.some({ endpoint: "http://traces:4318/v1/traces", protocol: "http/json", serviceName: "svc" }))
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_PROTOCOL: "", OTEL_SERVICE_NAME: "eu" })).toEqual(
      Option.some({ endpoint: "http://c", protocol: "http/protobuf", serviceName: "eu" })
    )
  })

  it("given OTEL_SDK_DISABLED=true (any case) or OTEL_TRACES_EXPORTER naming no otlp, then no tracing despite an endpoint", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }
    expect(on({ ...endpoint, OTEL_SDK_DISABLED: "TRUE" })).toEqual(Option.none())
    expect(on({ ...endpoint, OTEL_TRACES_EXPORTER: "none" })).toEqual(Option.none())
    expect(on({ ...endpoint, OTEL_TRACES_EXPORTER: "console" })).toEqual(Option.none())
    expect(
      Option.isSome(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_TRACES_EXPORTER: "console, otlp", OTEL_SDK_DISABLED: "false" }))
    ).toBe(true)
  })

  it("given an endpoint and a protocol it cannot speak, then the start fails naming the ones it can", () => {
    const failed = read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })
    expect(Either.isLeft(failed)).toBe(true)
    expect(String(Either.isLeft(failed) ? failed.left : "")).toContain(
      'OTLP protocol "grpc" is not supported: use http/protobuf or http/json'
    )
  })
})
