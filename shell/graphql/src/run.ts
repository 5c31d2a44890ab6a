import { HttpServer } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, type Layer, ManagedRuntime } from "effect"
import { Logging } from "@low/core"
import { type Service, tracingFromEnv } from "@low/telemetry"

/**
 * Runs a server until SIGINT/SIGTERM, then closes it and everything it opened: the server drains first (see `serve`),
 * then the layers below it close, then the spans left are flushed, then the process exits with code 0. A second
 * signal kills it at once. Spans are exported as the OTEL_* environment variables say (none without an endpoint).
 */
export const runServer = <E>(server: Layer.Layer<HttpServer.HttpServer, E>, service: Service) =>
  HttpServer.logAddress.pipe(
    Effect.zipRight(Effect.never),
    Effect.provide(server),
    Effect.provide(tracingFromEnv(service)),
    Effect.provide(Logging),
    (program) => NodeRuntime.runMain(program, { disablePrettyLogger: true })
  )

/** A server started in this process, for tests and benchmarks: its GraphQL URL and a way to stop it (draining, as on SIGTERM). */
export interface RunningServer {
  readonly url: string
  readonly close: () => Promise<void>
}

export const startServer = async <E>(server: Layer.Layer<HttpServer.HttpServer, E>): Promise<RunningServer> => {
  const runtime = ManagedRuntime.make(server)
  const url = await runtime.runPromise(HttpServer.addressFormattedWith((address) => Effect.succeed(`${address}/graphql`)))
  return { url, close: () => runtime.dispose() }
}
