import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Logging, type Health } from "@low/core"
import { type Service, tracingFromEnv, withOperationsServer } from "@low/telemetry"

/**
 * Runs a process without an API (handlers and/or projectors) until SIGINT/SIGTERM, its spans exported as the OTEL_*
 * environment variables say, as `service` (unless OTEL_SERVICE_NAME names another); with METRICS_PORT set, it serves
 * GET /metrics and GET /healthz there.
 */
export const runWorkers = <E>(workers: Layer.Layer<Health, E>, service: Service) =>
  Layer.launch(withOperationsServer(workers)).pipe(Effect.provide(tracingFromEnv(service)), Effect.provide(Logging), NodeRuntime.runMain)
