import { Context, Effect, Layer } from "effect"
import type { Envelope } from "@low/functions"
import type { Schema } from "effect"
import type { Timeout } from "./errors"
import { Executor, type AnyHandler, type ExecutorPorts, type Outcome, type RunError } from "./executor"

/**
 * The route handler's way to the event handler and back: it answers once the command's outcome is decided,
 * written and projected, so the caller can read its own write on any instance.
 */
export class CommandBus extends Context.Tag("low/core/CommandBus")<
  CommandBus,
  {
    readonly send: <H extends AnyHandler>(
      handler: H,
      command: Schema.Schema.Type<H["command"]>,
      envelope: Envelope
    ) => Effect.Effect<Outcome, RunError<H> | Timeout>
  }
>() {
  /** Runs the executor in the caller's fiber: right when every projector runs inline in the commit. */
  static readonly direct = Layer.effect(
    CommandBus,
    Effect.gen(function* () {
      const executor = yield* Executor
      const ports = yield* Effect.context<ExecutorPorts>()
      return CommandBus.of({ send: (handler, command, envelope) => Effect.provide(executor.run(handler, command, envelope), ports) })
    })
  )
}
