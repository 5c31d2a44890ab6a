import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Logging } from "@low/core"
import { tracingFromEnv } from "@low/telemetry"

/**
 * Runs a process without an HTTP server (handlers and/or projectors) until SIGINT/SIGTERM, its spans exported as the
 * OTEL_* environment variables say, under the service `name` (unless OTEL_SERVICE_NAME says otherwise).
 */
export const runWorkers = <E>(
  workers: Layer.Layer<never, E>,
  service: { readonly name: string; readonly attributes?: Record<string, string> }
) =>
  Layer.launch(workers).pipe(Effect.provide(tracingFromEnv(service.name, service.attributes)), Effect.provide(Logging), NodeRuntime.runMain)
