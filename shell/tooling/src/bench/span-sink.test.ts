import { BinaryWriter } from "@bufbuild/protobuf/wire"
import { describe, expect, it } from "vitest"
import { spansInProtobuf, startSpanSink } from "./span-sink"

/** A message of `fields`, each a length-delimited field: [number, bytes]. */
const message = (...fields: ReadonlyArray<readonly [number, Uint8Array]>) => {
  const writer = new BinaryWriter()
  for (const [number, bytes] of fields) writer.tag(number, 2).bytes(bytes)
  return writer.finish()
}
const text = (s: string) => new TextEncoder().encode(s)
const span = (name: string) => message([1, text("trace-id")], [5, text(name)])
const scopeSpans = (...spans: ReadonlyArray<Uint8Array>) => message([1, message([1, text("low")])], ...spans.map((s) => [2, s] as const))
const resourceSpans = (...scopes: ReadonlyArray<Uint8Array>) => message([1, message()], ...scopes.map((s) => [2, s] as const))
const request = (...resources: ReadonlyArray<Uint8Array>) => message(...resources.map((r) => [1, r] as const))

describe("the span sink", () => {
  it("given an OTLP/protobuf export of two resources, when counted, then it finds the spans of every scope", () => {
    const body = request(
      resourceSpans(scopeSpans(span("a"), span("b"), span("c")), scopeSpans(span("d"))),
      resourceSpans(scopeSpans(span("e"), span("f")))
    )
    expect(spansInProtobuf(body)).toBe(6)
  })

  it("given exports in either encoding, when posted, then it answers 200 and counts their spans", async () => {
    const sink = await startSpanSink()
    try {
      const post = (contentType: string, body: Uint8Array | string) =>
        fetch(`${sink.env.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`, {
          method: "POST",
          headers: { "content-type": contentType },
          body: typeof body === "string" ? body : Buffer.from(body)
        })
      expect((await post("application/x-protobuf", request(resourceSpans(scopeSpans(span("a"), span("b")))))).status).toBe(200)
      const json = { resourceSpans: [{ scopeSpans: [{ spans: [{ name: "c" }] }] }] }
      expect((await post("application/json", JSON.stringify(json))).status).toBe(200)
      expect(sink.counted()).toEqual({ spans: 3, requests: 2 })
    } finally {
      await sink.close()
    }
  })
})
