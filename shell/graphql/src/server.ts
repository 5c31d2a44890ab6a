import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { failing, Health } from "@low/core"
import { defaultHttpLimits, type HttpLimits, type ServerOptions } from "./config"
import type { RouteServices } from "./routes"
import { makeYoga } from "./yoga"

const healthz = Effect.gen(function* () {
  const down = yield* failing(yield* Health)
  return yield* down.length === 0
    ? HttpServerResponse.json({ status: "ok" })
    : HttpServerResponse.json({ status: "unavailable", failing: down }, { status: 503 })
})

/** Every route but the contract's: GET /healthz. */
export const routes = HttpRouter.empty.pipe(HttpRouter.get("/healthz", healthz))

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
 * Serves the contract at POST /graphql (GraphiQL at GET) and the other routes over HTTP for as long as the layer
 * lives. /graphql goes straight from Node's request event to graphql-yoga's Node adapter, the hot path of every
 * mutation; everything else is an @effect/platform router.
 */
export const serve = ({ port, host = "127.0.0.1", domains, http }: ServerOptions) =>
  Layer.unwrapEffect(
    Effect.sync(() => {
      const limits = { ...defaultHttpLimits, ...http }
      const server = nodeServer(limits)
      const listen = Layer.scopedDiscard(
        Effect.gen(function* () {
          const yoga = makeYoga(yield* Effect.runtime<RouteServices>(), domains)
          const rest = yield* NodeHttpServer.makeHandler(routes)
          const listener = (request: IncomingMessage, response: ServerResponse) =>
            pathOf(request.url) === "/graphql" ? void yoga(request, response) : rest(request, response)
          server.on("request", listener)
          yield* Effect.addFinalizer(() => Effect.sync(() => server.off("request", listener)))
        })
      )
      return listen.pipe(Layer.provideMerge(NodeHttpServer.layer(() => server, { port, host })))
    })
  )
