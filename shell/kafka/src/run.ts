import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Logging, type Health } from "@low/core"
import { withOperationsServer } from "@low/telemetry"

/**
 * Runs a process without an API (handlers and/or projectors) until SIGINT/SIGTERM; with METRICS_PORT set, it serves
 * GET /metrics and GET /healthz there.
 */
export const runWorkers = <E>(workers: Layer.Layer<Health, E>) =>
  Layer.launch(withOperationsServer(workers)).pipe(Effect.provide(Logging), NodeRuntime.runMain)
