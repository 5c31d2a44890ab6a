import { createHash } from "node:crypto"
import type { AnyHandler, AnyProcessManager, Domain, Envelope, StoredEvent } from "@low/functions"
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
 * How a process manager's reactions become commands: each goes to the handler that reads its `writes` channel,
 * which must be among `handlers` (checked here, when a deployment wires it, not when the first event comes).
 */
export const dispatcherOf = (processManager: AnyProcessManager, handlers: ReadonlyArray<AnyHandler>) => {
  const handler = handlers.find((h) => h.reads === processManager.writes)
  if (handler === undefined)
    throw new Error(`process manager ${processManager.name} writes ${processManager.writes}, which no handler of this deployment reads`)
  return (event: StoredEvent<unknown>): ReadonlyArray<Dispatch> =>
    processManager.react(event).map((command, n) => ({ handler, command, commandId: commandIdCausedBy(processManager.name, event.id, n) }))
}

/** The envelope of a process manager's command: its derived commandId, the time it is sent, and ids derived from it. */
export const envelopeOf = (dispatch: Dispatch, at: string): Envelope => ({ commandId: dispatch.commandId, at, freshId: dispatch.commandId })

/**
 * What a deployment runs for a list of domains: every handler, projector and process manager once, though several
 * domains may name one (a domain lists the handlers it sends commands to, its own or another's).
 */
export const partsOf = (domains: ReadonlyArray<Domain>) => ({
  handlers: [...new Set(domains.flatMap((d) => d.handlers))],
  projectors: [...new Set<AnyProjector>(domains.flatMap((d) => d.projectors))],
  processManagers: [...new Set(domains.flatMap((d) => d.processManagers ?? []))]
})
