import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire"

/** The length-delimited values of field `field` of a protobuf message (a repeated message field's elements). */
const fieldsOf = (message: Uint8Array, field: number) => {
  const reader = new BinaryReader(message)
  const found: Array<Uint8Array> = []
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag()
    if (number === field && wireType === WireType.LengthDelimited) found.push(reader.bytes())
    else reader.skip(wireType, number)
  }
  return found
}

/**
 * The spans in an OTLP/protobuf export request: ExportTraceServiceRequest.resource_spans (1), each one's
 * scope_spans (2), each one's spans (2). The spans themselves are skipped, not decoded.
 */
export const spansInProtobuf = (body: Uint8Array) =>
  fieldsOf(body, 1)
    .flatMap((resourceSpans) => fieldsOf(resourceSpans, 2))
    .reduce((count, scopeSpans) => count + fieldsOf(scopeSpans, 2).length, 0)

interface JsonTraces {
  readonly resourceSpans?: ReadonlyArray<{ readonly scopeSpans?: ReadonlyArray<{ readonly spans?: ReadonlyArray<unknown> }> }>
}

const spansInJson = (body: Buffer) =>
  ((JSON.parse(body.toString("utf8")) as JsonTraces).resourceSpans ?? [])
    .flatMap((r) => r.scopeSpans ?? [])
    .reduce((count, s) => count + (s.spans?.length ?? 0), 0)

/**
 * An OTLP/HTTP endpoint that takes spans and only counts them, for benchmarks run with tracing on: it answers each
 * export at once (an empty success, in the request's encoding), then counts what it got.
 */
export const startSpanSink = async () => {
  let spans = 0,
    requests = 0
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const json = (request.headers["content-type"] ?? "").startsWith("application/json")
      response.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" })
      response.end(json ? "{}" : undefined)
      const body = Buffer.concat(chunks)
      requests++
      spans += json ? spansInJson(body) : spansInProtobuf(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    /**
     * The environment that makes a project export its traces to this sink as OTLP/protobuf (the default), every one
     * of them unless OTEL_TRACES_SAMPLER says otherwise (the SDK's default is parentbased_always_on).
     */
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf"
    },
    counted: () => ({ spans, requests }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

export type SpanSink = Awaited<ReturnType<typeof startSpanSink>>

/** Whether the benchmarks run with tracing on: `pnpm bench … --tracing`, or BENCH_TRACING=1. */
export const benchTracing = () => process.env["BENCH_TRACING"] === "1"
