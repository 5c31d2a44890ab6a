import { Effect } from "effect"
import type { PortFailure, ViewChange } from "@low/functions"
import type { Committed } from "@low/core"
import type { PgClient } from "./pool"
import { changesOf, type RebuildOptions } from "./rebuild"
import { subscribe } from "./subscription"
import { viewParams, viewRows, viewStatements } from "./view-rows"
import { listenForCommits } from "./wake-up"

const statement = `with ${viewStatements(1)} select n from applied_docs`

/** Applies the view changes of events in log order, in one statement; events applied before change nothing. */
export const applyViewChanges = (
  pg: PgClient,
  changes: Iterable<{ readonly change: ViewChange; readonly version: number }>
): Effect.Effect<void, PortFailure> =>
  Effect.suspend(() => pg.query({ name: "low_apply_views", text: statement, values: viewParams(viewRows(changes)) })).pipe(Effect.asVoid)

/** The changes of a batch of events, for `applyViewChanges`. */
export const changesOfEvents = (events: ReadonlyArray<Committed>, project: (event: Committed) => ReadonlyArray<ViewChange>) =>
  events.flatMap((event) => project(event).map((change) => ({ change, version: event.version })))

/**
 * Keeps read models up to date from the event log through a durable subscription named `name`, for projectors
 * that do not run inline: woken by NOTIFY, resumed from its checkpoint after a restart, and harmless to repeat.
 */
export const runProjections = (pg: PgClient, connectionString: string, name: string, options: RebuildOptions) =>
  Effect.gen(function* () {
    const listener = yield* listenForCommits(connectionString)
    const changes = changesOf(options)
    return yield* subscribe(pg, {
      name,
      wake: listener.next,
      handle: (events) => applyViewChanges(pg, changesOfEvents(events, changes))
    })
  })
