import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { tracingTo } from "@low/telemetry/sdk"

/** One finished span, as a test reads it, whichever way it was exported. */
export interface SpanRecord {
  readonly name: string
  readonly kind: "internal" | "server" | "client" | "producer" | "consumer"
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly attributes: Readonly<Record<string, unknown>>
  /** The attributes of the resource (the process) that exported it: service.name, low.roles… */
  readonly resource: Readonly<Record<string, unknown>>
  /** When it started and ended, in milliseconds since the epoch (to the microsecond). */
  readonly startMs: number
  readonly endMs: number
}

/** The spans of `spans` in the trace of the first span named `name`. */
export const traceOf = (spans: ReadonlyArray<SpanRecord>, name: string) => {
  const root = spans.find((s) => s.name === name)
  return root === undefined ? [] : spans.filter((s) => s.traceId === root.traceId)
}

/** The one span of `trace` named `name`; fails naming the names there are when there is not exactly one. */
export const spanNamed = (trace: ReadonlyArray<SpanRecord>, name: string) => {
  const found = trace.filter((s) => s.name === name)
  if (found.length !== 1)
    throw new Error(`${found.length} spans named "${name}" in the trace, among: ${trace.map((s) => s.name).join(", ")}`)
  return found[0]!
}

// OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): ids are hex strings, kinds numbers.
interface OtlpValue {
  readonly stringValue?: string
  readonly intValue?: string | number
  readonly doubleValue?: number
  readonly boolValue?: boolean
}
interface OtlpAttribute {
  readonly key: string
  readonly value: OtlpValue
}
interface OtlpSpan {
  readonly name: string
  readonly kind: number
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly attributes?: ReadonlyArray<OtlpAttribute>
  readonly startTimeUnixNano?: string | number
  readonly endTimeUnixNano?: string | number
}
interface OtlpTraces {
  readonly resourceSpans?: ReadonlyArray<{
    readonly resource?: { readonly attributes?: ReadonlyArray<OtlpAttribute> }
    readonly scopeSpans?: ReadonlyArray<{ readonly spans?: ReadonlyArray<OtlpSpan> }>
  }>
}

const kinds = ["internal", "internal", "server", "client", "producer", "consumer"] as const

const plainValue = (value: OtlpValue) =>
  value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue)) ?? value.doubleValue ?? value.boolValue

/** Nanoseconds since the epoch, as OTLP/JSON writes them (a decimal string), in milliseconds. */
const millisOf = (nanos: string | number | undefined) => (nanos === undefined ? 0 : Number(BigInt(nanos) / 1000n) / 1000)

const attributesOf = (attributes: ReadonlyArray<OtlpAttribute> = []) =>
  Object.fromEntries(attributes.map(({ key, value }) => [key, plainValue(value)]))

/** The spans of one OTLP/JSON export request. */
export const spansOfOtlpJson = (body: OtlpTraces): Array<SpanRecord> =>
  (body.resourceSpans ?? []).flatMap(({ resource, scopeSpans = [] }) =>
    scopeSpans.flatMap(({ spans = [] }) =>
      spans.map((span) => ({
        name: span.name,
        kind: kinds[span.kind] ?? "internal",
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId === undefined || span.parentSpanId === "" ? undefined : span.parentSpanId,
        attributes: attributesOf(span.attributes),
        resource: attributesOf(resource?.attributes),
        startMs: millisOf(span.startTimeUnixNano),
        endMs: millisOf(span.endTimeUnixNano)
      }))
    )
  )

/** A request an OTLP receiver took: its path, media type and size, whatever its encoding. */
export interface OtlpRequest {
  readonly path: string
  readonly contentType: string
  readonly bytes: number
}

export interface OtlpReceiver {
  /** What to set OTEL_EXPORTER_OTLP_ENDPOINT to. */
  readonly endpoint: string
  /** Every span received in OTLP/JSON so far. */
  readonly spans: () => ReadonlyArray<SpanRecord>
  /** Every export request received so far, JSON or protobuf. */
  readonly requests: () => ReadonlyArray<OtlpRequest>
  readonly close: () => Promise<void>
}

/**
 * An OTLP/HTTP receiver on a free port of 127.0.0.1, as a collector would be: it answers every export with 200 and
 * keeps the spans of those sent as JSON (protobuf requests are counted, not decoded).
 */
export const startOtlpReceiver = async (): Promise<OtlpReceiver> => {
  const spans: Array<SpanRecord> = []
  const requests: Array<OtlpRequest> = []
  const server: Server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const body = Buffer.concat(chunks)
      const contentType = request.headers["content-type"] ?? ""
      requests.push({ path: request.url ?? "", contentType, bytes: body.length })
      if (contentType.startsWith("application/json")) spans.push(...spansOfOtlpJson(JSON.parse(body.toString("utf8")) as OtlpTraces))
      response.writeHead(200, { "content-type": contentType.startsWith("application/json") ? "application/json" : contentType })
      response.end(contentType.startsWith("application/json") ? "{}" : undefined)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => spans,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

const kindNames = ["internal", "server", "client", "producer", "consumer"] as const

const millisOfHrTime = ([seconds, nanos]: readonly [number, number]) => seconds * 1000 + nanos / 1e6

/**
 * Spans recorded in this process (an in-memory exporter behind a simple processor: each span is kept as it ends),
 * and the layer that makes the shell record them.
 */
export const recordSpans = (serviceName: string) => {
  const exporter = new InMemorySpanExporter()
  const layer = tracingTo(new SimpleSpanProcessor(exporter), serviceName)
  const spans = (): Array<SpanRecord> =>
    exporter.getFinishedSpans().map((span) => ({
      name: span.name,
      kind: kindNames[span.kind] ?? "internal",
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      parentSpanId: span.parentSpanContext?.spanId,
      attributes: span.attributes,
      resource: span.resource.attributes,
      startMs: millisOfHrTime(span.startTime),
      endMs: millisOfHrTime(span.endTime)
    }))
  return { layer, spans, reset: () => exporter.reset() }
}
