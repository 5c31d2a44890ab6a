import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Logging } from "@low/core"
import { type Service, tracingFromEnv } from "@low/telemetry"

/**
 * Runs a process without an HTTP server (handlers and/or projectors) until SIGINT/SIGTERM, its spans exported as the
 * OTEL_* environment variables say, as `service` (unless OTEL_SERVICE_NAME names another).
 */
export const runWorkers = <E>(workers: Layer.Layer<never, E>, service: Service) =>
  Layer.launch(workers).pipe(Effect.provide(tracingFromEnv(service)), Effect.provide(Logging), NodeRuntime.runMain)
