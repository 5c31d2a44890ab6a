import type { IncomingMessage, ServerResponse } from "node:http"
import { Cause, Effect, Exit, Runtime, type Tracer } from "effect"
import { spanOptions } from "@low/core"
import { spanOfTraceparent } from "@low/telemetry"

const firstOf = (header: string | ReadonlyArray<string> | undefined) => (typeof header === "string" ? header : header?.[0])

/**
 * A span of kind server for each HTTP request to `route`, following the HTTP semantic conventions: it continues
 * the trace a `traceparent` header names, and ends when the response does, with its status code (a 5xx marks it
 * failed). Made only when spans are recorded.
 */
export const requestSpans = (runtime: Runtime.Runtime<never>, route: string) => {
  const runSync = Runtime.runSync(runtime)
  const clock = runSync(Effect.clock)
  return (request: IncomingMessage, response: ServerResponse): Tracer.Span => {
    const method = request.method ?? "GET"
    const parent = spanOfTraceparent(firstOf(request.headers.traceparent))
    const span = runSync(
      Effect.makeSpan(
        `${method} ${route}`,
        spanOptions({
          kind: "server",
          ...(parent === undefined ? { root: true } : { parent }),
          attributes: {
            "http.request.method": method,
            "http.route": route,
            "url.path": route,
            "url.scheme": "http",
            ...(request.headers["user-agent"] === undefined ? {} : { "user_agent.original": request.headers["user-agent"] })
          }
        })
      )
    )
    response.once("close", () => {
      const status = response.statusCode
      span.attribute("http.response.status_code", status)
      const failed = status >= 500 || !response.writableFinished
      span.end(clock.unsafeCurrentTimeNanos(), failed ? Exit.failCause(Cause.fail(`HTTP ${status}`)) : Exit.void)
    })
    return span
  }
}
