import { Effect, Logger } from "effect"
import { describe, expect, it } from "vitest"
import { tracedJsonLogger } from "./logging"

/** The JSON lines `program` logs through the traced logger. */
const linesOf = (program: Effect.Effect<unknown, unknown>) => {
  const lines: Array<Record<string, unknown>> = []
  const collect = Logger.map(tracedJsonLogger, (line) => lines.push(JSON.parse(line) as Record<string, unknown>))
  Effect.runSync(program.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, collect))))
  return lines
}

describe("structured logs", () => {
  it("given a line logged inside a span, then it carries the span's traceId and spanId among its annotations, beside its own", () => {
    let ids = { traceId: "", spanId: "" }
    const lines = linesOf(
      Effect.withSpan(
        Effect.flatMap(Effect.currentSpan, (span) => {
          ids = { traceId: span.traceId, spanId: span.spanId }
          return Effect.annotateLogs(Effect.logInfo("inside"), { handler: "h" })
        }),
        "a span"
      )
    )
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ message: "inside", logLevel: "INFO", annotations: { handler: "h", ...ids } })
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/)
  })

  it("given a line logged outside any span, then its shape is Effect's JSON line, with no trace", () => {
    const [line] = linesOf(Effect.annotateLogs(Effect.logWarning("outside"), { n: 1 }))
    expect(Object.keys(line ?? {}).sort()).toEqual(["annotations", "fiberId", "logLevel", "message", "spans", "timestamp"])
    expect(line?.["annotations"]).toEqual({ n: 1 })
  })
})
