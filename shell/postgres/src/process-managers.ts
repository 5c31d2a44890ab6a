import { Effect, Layer, Option, Schema } from "effect"
import type { AnyProcessManager } from "@low/functions"
import { CommandBus, dispatcherOf, sendDispatch, type AnyHandler, type Committed } from "@low/core"
import { Pg, type PgClient } from "./pool"
import { subscribe } from "./subscription"
import { LocalCommits, listenForCommits } from "./wake-up"

export interface ProcessManagerOptions {
  readonly handlers: ReadonlyArray<AnyHandler>
  readonly processManagers: ReadonlyArray<AnyProcessManager>
}

/**
 * Runs each process manager on a durable subscription to the event log, named after it: the events of the
 * channel it reads, in log order, become commands sent through the command bus; its checkpoint moves past a batch
 * once every command of the batch was applied (or had been: a command sent again is a duplicate, by its derived
 * commandId). Every instance runs every process manager, each racing the others harmlessly for the same reason,
 * so a stopped or frozen instance never holds a saga up. A command refused by its handler is logged, and the
 * batch goes on (see `sendDispatch`).
 */
export const runProcessManagers = (pg: PgClient, connectionString: string, options: ProcessManagerOptions) =>
  Effect.forEach(
    options.processManagers,
    (processManager) =>
      Effect.gen(function* () {
        const bus = yield* CommandBus
        // Woken by this process's commits at once, and by other instances' through Postgres.
        const listener = yield* listenForCommits(connectionString, yield* LocalCommits)
        const { source, dispatch } = dispatcherOf(processManager, options.handlers)
        const decode = Schema.decodeUnknownOption(source.event as Schema.Schema<{ readonly _tag: string }, unknown>)
        // The log holds every channel's events: those of other channels do not decode, and are passed over.
        const dispatches = (events: ReadonlyArray<Committed>) =>
          events.flatMap((stored) =>
            Option.match(decode(stored.event), { onNone: () => [], onSome: (event) => dispatch({ ...stored, event }) })
          )
        // A command whose outcome is not known yet fails the batch, which is read again from the checkpoint.
        const send = sendDispatch(processManager.name, bus.send)
        return yield* subscribe(pg, {
          name: `process-manager:${processManager.name}`,
          wake: listener.next,
          handle: (events) => Effect.forEach(dispatches(events), send, { concurrency: 16, discard: true })
        })
      }),
    { concurrency: "unbounded", discard: true }
  )

/** The process managers, running for as long as the layer lives (none: nothing runs). */
export const ProcessManagers = {
  layer: (connectionString: string, options: ProcessManagerOptions) =>
    Layer.scopedDiscard(
      options.processManagers.length === 0
        ? Effect.void
        : Effect.flatMap(Pg, (pg) => Effect.forkScoped(runProcessManagers(pg, connectionString, options)))
    )
}
