import type { IncomingMessage, ServerResponse } from "node:http"
import { Cause, Effect, Exit, Runtime, type Tracer } from "effect"
import { spanOfTraceparent, spanOptions } from "@low/core"

const firstOf = (header: string | ReadonlyArray<string> | undefined) => (typeof header === "string" ? header : header?.[0])

/**
 * A span of kind server for each HTTP request to `route`, following the HTTP semantic conventions: it continues
 * the trace a `traceparent` header names, and ends when the response does, with its status code (a 5xx, or a
 * response never sent, marks it failed, with `error.type`). Made only when spans are recorded.
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
      // A response cut before it was sent has no status: the connection closed (the drain, or the client).
      if (!response.writableFinished) {
        span.attribute("error.type", "connection closed")
        return span.end(clock.unsafeCurrentTimeNanos(), Exit.failCause(Cause.fail("response not sent")))
      }
      const status = response.statusCode
      span.attribute("http.response.status_code", status)
      if (status < 500) return span.end(clock.unsafeCurrentTimeNanos(), Exit.void)
      span.attribute("error.type", String(status))
      span.end(clock.unsafeCurrentTimeNanos(), Exit.failCause(Cause.fail(`HTTP ${status}`)))
    })
    return span
  }
}
