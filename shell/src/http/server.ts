import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import type { CommandBus } from "../command-bus"
import { makeYoga } from "../graphql/yoga"
import { failing, Health } from "../health"
import type { Views } from "../views"
import { fromNodeListener } from "./web-handler"

const healthz = Effect.gen(function* () {
  const down = yield* failing(yield* Health)
  return yield* down.length === 0
    ? HttpServerResponse.json({ status: "ok" })
    : HttpServerResponse.json({ status: "unavailable", failing: down }, { status: 503 })
})

/** The contract at POST /graphql (GraphiQL at GET), and GET /healthz. */
export const app = Effect.gen(function* () {
  const yoga = makeYoga(yield* Effect.runtime<CommandBus | Views>())
  const graphql = fromNodeListener(yoga)
  return HttpRouter.empty.pipe(
    HttpRouter.get("/healthz", healthz),
    HttpRouter.all("/graphql", graphql)
  )
})

export interface ServerOptions {
  readonly port: number
  readonly host?: string
}

/** Serves the app over HTTP for as long as the layer lives. */
export const serve = ({ port, host = "127.0.0.1" }: ServerOptions) =>
  Layer.unwrapEffect(Effect.map(app, (router) => HttpServer.serve(router))).pipe(
    Layer.provideMerge(NodeHttpServer.layer(() => createServer({ keepAliveTimeout: 65_000 }), { port, host }))
  )
