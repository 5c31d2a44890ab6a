import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Logging } from "@low/core"

/** Runs a process without an HTTP server (handlers and/or projectors) until SIGINT/SIGTERM. */
export const runWorkers = <E>(workers: Layer.Layer<never, E>) => Layer.launch(workers).pipe(Effect.provide(Logging), NodeRuntime.runMain)
