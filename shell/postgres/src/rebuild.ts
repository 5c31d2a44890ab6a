import { Effect, Option, Schema } from "effect"
import type { ViewChange } from "@low/functions"
import type { Committed } from "@low/core"
import type { AnyHandler, AnyProjector } from "@low/core"
import type { PgClient } from "./pool"
import { toCommitted, type EventRow } from "./subscription"
import { viewParams, viewRows, viewStatements } from "./view-rows"

/** What a rebuild replays: the handlers tell which channel an event was written to, the projectors what it changes. */
export interface RebuildOptions {
  readonly handlers: ReadonlyArray<AnyHandler>
  readonly projectors: ReadonlyArray<AnyProjector>
  /** Events read and applied per statement. */
  readonly batch?: number
}

/**
 * The view changes of one event as the log keeps it (encoded): those of the projectors reading the channel of the
 * handler whose event schema decodes it, given the event it decodes to.
 */
export const changesOf = (options: RebuildOptions) => {
  const channels = options.handlers.map((h) => ({
    decode: Schema.decodeUnknownOption(h.event as Schema.Schema<{ readonly _tag: string }, unknown>),
    projectors: options.projectors.filter((p) => p.reads === h.writes)
  }))
  return (stored: Committed): ReadonlyArray<ViewChange> =>
    channels.flatMap(({ decode, projectors }) =>
      Option.match(decode(stored.event), {
        onNone: () => [],
        onSome: (event) => projectors.flatMap((p) => p.project({ ...stored, event }))
      })
    )
}

// Commit order, as subscriptions read it; no transaction is left running under the lock, so no xmin bound.
// (`events.tx`: a bare `tx` in ORDER BY would be the text column of the select list, and sort 100000 before 99999.)
const eventsAfter = `
  select position, tx::text as tx, stream_id, version, data, metadata from events
  where (tx, position) > ($1::xid8, $2::bigint) order by events.tx, events.position limit $3`

/**
 * Replaces every read model with one rebuilt from the event log, in one transaction. Writers wait on the
 * lock until it commits, each for at most the pool's statement timeout, after which its command answers
 * UNAVAILABLE (safe to retry); readers keep seeing the old read models until then, and the new ones after.
 */
export const rebuildViews = (pg: PgClient, options: RebuildOptions) => {
  const changes = changesOf(options)
  const batch = options.batch ?? 2_000
  const apply = `with ${viewStatements(1)} select n from applied_docs`
  return pg
    .withClient(async (client) => {
      await client.query("begin")
      try {
        await client.query("lock table events in share mode")
        await client.query("delete from view_docs")
        await client.query("delete from view_items")
        let after: EventRow | undefined
        let replayed = 0
        for (;;) {
          const { rows } = await client.query<EventRow>(eventsAfter, [after?.tx ?? "0", after?.position ?? 0, batch])
          if (rows.length === 0) break
          const events = rows.map(toCommitted)
          const rowsOfViews = viewRows(events.flatMap((e) => changes(e).map((change) => ({ change, version: e.version }))))
          await client.query(apply, viewParams(rowsOfViews))
          after = rows.at(-1)
          replayed += events.length
        }
        await client.query("commit")
        return replayed
      } catch (error) {
        await client.query("rollback").catch(() => undefined)
        throw error
      }
    })
    .pipe(Effect.tap((replayed) => Effect.logInfo("read models rebuilt", { events: replayed })))
}
