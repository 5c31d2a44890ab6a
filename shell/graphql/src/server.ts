import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Tracing } from "@low/core"
import { operationsRoutes, PrometheusMetrics } from "@low/telemetry"
import { defaultHttpLimits, type HttpLimits, type ServerOptions } from "./config"
import type { RouteServices } from "./routes"
import { requestSpans } from "./request-span"
import { makeYoga } from "./yoga"

/** Every route but the contract's: GET /healthz and GET /metrics. */
export const routes = operationsRoutes

const pathOf = (url = "/") => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

/**
 * A Node server holding each client to `limits`. Node refuses a headers timeout above the request timeout, so the
 * lower of the two bounds the headers. Node checks both timeouts only every `connectionsCheckingInterval` (30 s by
 * default); checking every second (or every headers timeout, when shorter) cuts a client that never finishes its
 * headers within a second of the timeout. An idle keep-alive connection is closed a second after the keep-alive
 * timeout it is told (`Keep-Alive: timeout=…`), so that the client gives up on it first (Node's keep-alive buffer).
 */
const nodeServer = (limits: HttpLimits) => {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs)
  const server = createServer({
    headersTimeout,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, headersTimeout)
  })
  // Node closes each connection beyond this many as soon as it accepts it.
  server.maxConnections = limits.maxConnections
  return server
}

/**
 * Stops accepting connections and closes the idle ones at once, then waits until every request in flight has been
 * answered and its connection closed (an answer not yet begun says `Connection: close`); after `drainTimeoutMs` it
 * cuts whatever is still open. Node's `server.close()` alone would leave answered keep-alive connections open until
 * their keep-alive timeout, and unfinished requests until their request timeout.
 */
const drain = (server: Server, inFlight: ReadonlySet<ServerResponse>, drainTimeoutMs: number) =>
  Effect.gen(function* () {
    for (const response of inFlight) if (!response.headersSent) response.setHeader("connection", "close")
    let cut = false
    const timer = setTimeout(() => {
      cut = true
      server.closeAllConnections()
    }, drainTimeoutMs)
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    yield* Effect.logInfo(`Draining: new connections refused; requests in flight: ${inFlight.size}`)
    yield* Effect.promise(() => closed)
    clearTimeout(timer)
    yield* cut ? Effect.logWarning(`Drained: cut what was unfinished after ${drainTimeoutMs} ms`) : Effect.logInfo("Drained")
  })

/**
 * Serves the contract at POST /graphql (GraphiQL at GET) and the other routes over HTTP for as long as the layer
 * lives. /graphql goes straight from Node's request event to graphql-yoga's Node adapter, the hot path of every
 * mutation; everything else is an @effect/platform router.
 *
 * When the layer closes (SIGTERM under `runServer`, `close()` under `startServer`) the server drains first: no new
 * connections, in-flight requests answered (or cut after `drainTimeoutMs`). Only then are the layers it is provided
 * with closed (the event store's pool, Kafka clients). Nothing else would wait for the requests: their effects run
 * through a runtime captured at startup, not as children of a fiber that closing awaits. The effect of a request cut
 * by the drain timeout may still be running then, and fail; its client has no answer either way.
 */
export const serve = (options: ServerOptions) =>
  Layer.unwrapEffect(
    Effect.sync(() => {
      const { port, host = "127.0.0.1" } = options
      const limits = { ...defaultHttpLimits, ...options.http }
      const server = nodeServer(limits)
      const listen = Layer.scopedDiscard(
        Effect.gen(function* () {
          const runtime = yield* Effect.runtime<RouteServices>()
          const yoga = makeYoga(runtime, options)
          const requestSpan = (yield* Tracing) ? requestSpans(runtime, "/graphql") : undefined
          const rest = yield* NodeHttpServer.makeHandler(routes)
          const inFlight = new Set<ServerResponse>()
          // One function for every response (no closure made per request).
          function answered(this: ServerResponse) {
            inFlight.delete(this)
            // Draining: the connection of an answer sent as keep-alive before the drain began is idle now.
            if (!server.listening) server.closeIdleConnections()
          }
          const listener = (request: IncomingMessage, response: ServerResponse) => {
            inFlight.add(response)
            response.once("close", answered)
            if (!server.listening) response.setHeader("connection", "close")
            if (pathOf(request.url) !== "/graphql") return rest(request, response)
            return requestSpan === undefined
              ? void yoga(request, response)
              : void yoga(request, response, { requestSpan: requestSpan(request, response) })
          }
          server.on("request", listener)
          // Finalizers run last-added first: the drain runs while the listener still answers.
          yield* Effect.addFinalizer(() => Effect.sync(() => server.off("request", listener)))
          yield* Effect.addFinalizer(() => drain(server, inFlight, limits.drainTimeoutMs))
        })
      )
      // NodeHttpServer's finalizer, which runs after the drain, would close the server too, waiting without a limit.
      return listen.pipe(Layer.provide(PrometheusMetrics.layer), Layer.provideMerge(NodeHttpServer.layer(() => server, { port, host })))
    })
  )
