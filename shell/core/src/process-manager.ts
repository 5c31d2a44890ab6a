import { createHash } from "node:crypto"
import { Clock, Effect } from "effect"
import type { AnyHandler, AnyProcessManager, Domain, Envelope, StoredEvent } from "@low/functions"
import type { CommandBus } from "./command-bus"
import type { Timeout, Unavailable } from "./errors"
import type { AnyProjector } from "./executor"

/** A command a process manager sends, addressed: the handler that decides it and the commandId it carries. */
export interface Dispatch {
  readonly handler: AnyHandler
  readonly command: unknown
  readonly commandId: string
}

/**
 * The commandId of the `n`th command a process manager sends for an event: the same on every delivery of that
 * event, so the handler applies it once however often it comes. It has a "/", which the commandIds clients may send
 * cannot have: a client that works it out from the event's id cannot take it first and block the step.
 */
export const commandIdCausedBy = (processManager: string, eventId: string, n: number) =>
  `pm/${createHash("sha256")
    .update([processManager, eventId, String(n)].join("\u0000"))
    .digest("base64url")
    .slice(0, 40)}`

/**
 * How a deployment wires a process manager: `source`, the handler that writes the channel it reads (its events
 * decode by that handler's event schema), and `dispatch`, its reactions to an event as commands to the handler that
 * reads its `writes` channel. Both must be among `handlers`, checked here, when the deployment starts, not when the
 * first event comes.
 */
export const dispatcherOf = (processManager: AnyProcessManager, handlers: ReadonlyArray<AnyHandler>) => {
  const source = handlers.find((h) => h.writes === processManager.reads)
  if (source === undefined)
    throw new Error(`process manager ${processManager.name} reads ${processManager.reads}, which no handler of this deployment writes`)
  const handler = handlers.find((h) => h.reads === processManager.writes)
  if (handler === undefined)
    throw new Error(`process manager ${processManager.name} writes ${processManager.writes}, which no handler of this deployment reads`)
  return {
    source,
    dispatch: (event: StoredEvent<unknown>): ReadonlyArray<Dispatch> =>
      processManager
        .react(event)
        .map((command, n) => ({ handler, command, commandId: commandIdCausedBy(processManager.name, event.id, n) }))
  }
}

/** The envelope of a process manager's command: its derived commandId, the time it is sent, and ids derived from it. */
export const envelopeOf = (dispatch: Dispatch, at: string): Envelope => ({ commandId: dispatch.commandId, at, freshId: dispatch.commandId })

/** Whether a command's failure says its outcome is not known yet (UNAVAILABLE, TIMEOUT): it is sent again. */
const notKnownYet = (e: unknown) => {
  const tag = (e as { readonly _tag?: unknown })._tag
  return tag === "Unavailable" || tag === "Timeout"
}

/**
 * Sends one of a process manager's commands through `send` (a command bus's), stamped with the time it goes. A
 * refusal by its handler is logged, and ends there: the saga it belongs to stops, and sending it again would be
 * refused again. It fails only when the outcome is not known yet, for the caller to send it again.
 */
export const sendDispatch =
  (processManager: string, send: CommandBus["Type"]["send"]) =>
  (d: Dispatch): Effect.Effect<void, Unavailable | Timeout> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => send(d.handler, d.command, envelopeOf(d, new Date(now).toISOString()))).pipe(
      Effect.asVoid,
      Effect.catchIf(
        (e) => !notKnownYet(e),
        (refusal) =>
          Effect.logError("a process manager's command was refused: the saga it belongs to stops here", refusal).pipe(
            Effect.annotateLogs({ processManager, commandId: d.commandId })
          )
      )
    ) as Effect.Effect<void, Unavailable | Timeout>

/**
 * What a deployment runs for a list of domains: every handler, projector and process manager once, though several
 * domains may name one (a domain lists the handlers it sends commands to, its own or another's).
 */
export const partsOf = (domains: ReadonlyArray<Domain>) => ({
  handlers: [...new Set(domains.flatMap((d) => d.handlers))],
  projectors: [...new Set<AnyProjector>(domains.flatMap((d) => d.projectors))],
  processManagers: [...new Set(domains.flatMap((d) => d.processManagers ?? []))]
})
