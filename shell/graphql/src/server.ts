import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { failing, Health } from "@low/core"
import type { ServerOptions } from "./config"
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
 * Serves the contract at POST /graphql (GraphiQL at GET) and the other routes over HTTP for as long as the layer
 * lives. /graphql goes straight from Node's request event to graphql-yoga's Node adapter, the hot path of every
 * mutation; everything else is an @effect/platform router.
 */
export const serve = (options: ServerOptions) =>
  Layer.unwrapEffect(
    Effect.sync(() => {
      const server = createServer({ keepAliveTimeout: 65_000 })
      const listen = Layer.scopedDiscard(
        Effect.gen(function* () {
          const yoga = makeYoga(yield* Effect.runtime<RouteServices>(), options)
          const rest = yield* NodeHttpServer.makeHandler(routes)
          const listener = (request: IncomingMessage, response: ServerResponse) =>
            pathOf(request.url) === "/graphql" ? void yoga(request, response) : rest(request, response)
          server.on("request", listener)
          yield* Effect.addFinalizer(() => Effect.sync(() => server.off("request", listener)))
        })
      )
      return listen.pipe(Layer.provideMerge(NodeHttpServer.layer(() => server, { port: options.port, host: options.host ?? "127.0.0.1" })))
    })
  )
