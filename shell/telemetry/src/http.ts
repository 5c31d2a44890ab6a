import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Config, Effect, Layer, Option } from "effect"
import { failing, Health, readings } from "@low/core"
import { PrometheusMetrics, prometheusContentType } from "./prometheus"

const healthz = Effect.gen(function* () {
  const checks = yield* Health
  const [down, read] = yield* Effect.all([failing(checks), readings(checks)], { concurrency: "unbounded" })
  return yield* down.length === 0
    ? HttpServerResponse.json({ status: "ok", ...read })
    : HttpServerResponse.json({ status: "unavailable", failing: down, ...read }, { status: 503 })
})

const metrics = Effect.gen(function* () {
  const checks = yield* Health
  const prometheus = yield* PrometheusMetrics
  return yield* prometheus.scrape(checks).pipe(Effect.map((text) => HttpServerResponse.text(text, { contentType: prometheusContentType })))
})

/**
 * GET /healthz (200 when every dependency answers, 503 naming those that do not; with the readings the deployment
 * reports beside) and GET /metrics (Prometheus).
 */
export const operationsRoutes = HttpRouter.empty.pipe(HttpRouter.get("/healthz", healthz), HttpRouter.get("/metrics", metrics))

/** METRICS_PORT: where a process that serves no API answers `operationsRoutes` (0: any free port); unset, it does not. */
export const metricsPortConfig = Config.option(
  Config.integer("METRICS_PORT").pipe(
    Config.validate({ message: "METRICS_PORT is a port: 0 to 65535", validation: (p) => p >= 0 && p <= 65535 })
  )
)

/** An HTTP server answering `operationsRoutes` only, on `port` and `host`, for as long as the layer lives. */
export const serveOperations = ({ port, host = "127.0.0.1" }: { readonly port: number; readonly host?: string }) =>
  HttpServer.serve(operationsRoutes).pipe(
    HttpServer.withLogAddress,
    Layer.provide(PrometheusMetrics.layer),
    Layer.provide(NodeHttpServer.layer(() => createServer(), { port, host }))
  )

/**
 * `workers` with `operationsRoutes` served beside them when METRICS_PORT is set (on HOST, 0.0.0.0 by default): for
 * processes that serve no API.
 */
export const withOperationsServer = <E, R>(workers: Layer.Layer<Health, E, R>) =>
  Layer.unwrapEffect(
    Effect.map(
      Config.all({ port: metricsPortConfig, host: Config.string("HOST").pipe(Config.withDefault("0.0.0.0")) }),
      ({ port, host }): Layer.Layer<Health, E | unknown, R> =>
        Option.isNone(port) ? workers : serveOperations({ port: port.value, host }).pipe(Layer.provideMerge(workers))
    )
  )
