import { describe, expect, it } from "vitest"
import { continueTraceWithinMs, continuing, spanOfTraceparent, traceparentOf } from "./tracing"

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
const spanId = "00f067aa0ba902b7"

describe("W3C traceparent", () => {
  it("given a span, when written and read back, then it names the same trace, span and sampling", () => {
    const span = spanOfTraceparent(`00-${traceId}-${spanId}-01`)
    expect(span).toMatchObject({ _tag: "ExternalSpan", traceId, spanId, sampled: true })
    expect(traceparentOf(span!)).toBe(`00-${traceId}-${spanId}-01`)
    expect(spanOfTraceparent(`00-${traceId}-${spanId}-00`)?.sampled).toBe(false)
  })

  it("given a later version with more fields, then its first fields are read, as the specification says", () => {
    expect(spanOfTraceparent(`01-${traceId}-${spanId}-03-whatever`)).toMatchObject({ traceId, spanId, sampled: true })
  })

  it("given an invalid header, then none is read and a new trace starts", () => {
    for (const header of [
      undefined,
      "",
      "garbage",
      `ff-${traceId}-${spanId}-01`,
      `00-${traceId}-${spanId}-01-more`,
      `00-${"0".repeat(32)}-${spanId}-01`,
      `00-${traceId}-${"0".repeat(16)}-01`,
      `00-${traceId.toUpperCase()}-${spanId}-01`,
      `00-${traceId}-${spanId}-1`
    ])
      expect(spanOfTraceparent(header), String(header)).toBeUndefined()
  })

  it("given work on something recent, then it continues its trace; on something old, then it starts one linked to it", () => {
    const header = `00-${traceId}-${spanId}-01`
    expect(continuing(header, 1_000, 1_000 + continueTraceWithinMs)).toMatchObject({ parent: { traceId, spanId } })
    const old = continuing(header, 1_000, 1_001 + continueTraceWithinMs)
    expect(old).toMatchObject({ root: true, links: [{ _tag: "SpanLink", span: { traceId, spanId } }] })
    expect(old.parent).toBeUndefined()
    expect(continuing(undefined, 0, 0)).toEqual({ root: true })
  })
})
