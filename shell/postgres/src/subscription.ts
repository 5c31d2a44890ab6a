import { Clock, Duration, Effect, Schedule } from "effect"
import type { PortFailure } from "@low/functions"
import { continuing, endSpans, spanOptions, Tracing, type Committed } from "@low/core"
import type { PgClient } from "./pool"
import { subscriptionMetrics } from "./subscription-metrics"

/** How far a subscriber has read: the last event's transaction id and position. */
export interface Checkpoint {
  readonly tx: string
  readonly position: number
}

export const origin: Checkpoint = { tx: "0", position: 0 }

export interface EventRow {
  readonly position: string
  readonly tx: string
  readonly stream_id: string
  readonly version: number
  readonly data: { readonly _tag: string }
  readonly metadata: { readonly commandId: string; readonly at: string; readonly traceparent?: string }
}

/** The event as the executor committed it. */
export const toCommitted = (row: EventRow): Committed => ({
  id: `${row.stream_id}@${row.version}`,
  stream: row.stream_id,
  version: row.version,
  event: row.data,
  commandId: row.metadata.commandId,
  at: row.metadata.at,
  position: Number(row.position),
  ...(row.metadata.traceparent === undefined ? {} : { traceparent: row.metadata.traceparent })
})

/**
 * Positions are taken when a transaction inserts, not when it commits, so `position > last` would skip an event
 * whose transaction commits after a later one. Reading in (tx, position) order and only below the oldest
 * transaction still running (the snapshot's xmin) reads only what can no longer change: every transaction below
 * xmin has committed or aborted, and every later one gets a larger id. The order is by the column itself: a bare
 * `tx` in ORDER BY would be the select list's text, in which 100000 sorts before 99999.
 */
const readStatement = `
  select position, tx::text as tx, stream_id, version, data, metadata from events
  where (tx, position) > ($1::xid8, $2::bigint) and tx < pg_snapshot_xmin(pg_current_snapshot())
  order by events.tx, events.position
  limit $3`

/** Up to `limit` events after `from`, in an order that never skips one, and the checkpoint after them. */
export const readAfter = (pg: PgClient, from: Checkpoint, limit: number) =>
  pg.query<EventRow>({ name: "low_read_after", text: readStatement, values: [from.tx, from.position, limit] }).pipe(
    Effect.map(({ rows }) => {
      const last = rows.at(-1)
      return {
        events: rows.map(toCommitted),
        next: last === undefined ? from : { tx: last.tx, position: Number(last.position) }
      }
    })
  )

/**
 * Whether committed events follow `from` though the read before found none it could deliver: an older transaction
 * still running, in any database of the cluster, held them back, and when it ends nothing announces them. It may
 * have ended between that read and this question, which is why any event after `from` counts, not only one still
 * held back: the subscriber then looks again soon rather than after its idle wait.
 */
const heldBackStatement = `
  select exists (select from events where (tx, position) > ($1::xid8, $2::bigint)) as held`

const heldBack = (pg: PgClient, from: Checkpoint) =>
  pg
    .query<{ held: boolean }>({ name: "low_held_back", text: heldBackStatement, values: [from.tx, from.position] })
    .pipe(Effect.map(({ rows }) => rows[0]?.held === true))

/** A subscriber's stored checkpoint (the origin for a new one). */
export const loadCheckpoint = (pg: PgClient, name: string) =>
  pg
    .query<{ tx: string; position: string }>({
      text: "select tx::text as tx, position from subscriptions where name = $1",
      values: [name]
    })
    .pipe(Effect.map(({ rows: [row] }): Checkpoint => (row === undefined ? origin : { tx: row.tx, position: Number(row.position) })))

export const saveCheckpoint = (pg: PgClient, name: string, at: Checkpoint) =>
  pg
    .query({
      name: "low_save_checkpoint",
      text: `insert into subscriptions (name, tx, position) values ($1, $2::xid8, $3)
           on conflict (name) do update set tx = excluded.tx, position = excluded.position`,
      values: [name, at.tx, at.position]
    })
    .pipe(Effect.asVoid)

export interface SubscriptionOptions<E, R> {
  readonly name: string
  /** Handles a batch; the checkpoint moves past it only once this succeeds (at-least-once delivery). */
  readonly handle: (events: ReadonlyArray<Committed>) => Effect.Effect<void, E, R>
  /** Completes at the next announcement of a commit, or after the given time (polling is the fallback). */
  readonly wake: (max: Duration.DurationInput) => Effect.Effect<void>
  readonly batch?: number
  readonly idle?: Duration.DurationInput
  /** The longest wait between two looks for events an older transaction holds back (1 second by default). */
  readonly heldPoll?: Duration.DurationInput
}

/**
 * A durable, checkpointed subscription to the whole event log: reads, handles, saves its checkpoint, and when
 * caught up waits for a wake-up. Events held back by an older transaction are looked for again after 10 ms, then
 * less and less often, but at least every `heldPoll`. Failures of Postgres or of the handler are logged and retried
 * from the checkpoint.
 */
export const subscribe = <E, R>(pg: PgClient, options: SubscriptionOptions<E, R>): Effect.Effect<never, never, R> =>
  Effect.flatMap(Tracing, (tracing) => subscribeWith(pg, options, tracing ? traced(options) : options.handle))

/**
 * `handle`, with a consumer span per event, each continuing the trace of the command that wrote it (linked to it
 * instead when the event is old: see `continuing`) and ending once the batch is handled. A batch of one event is handled inside its span, so that what its handling does (commands
 * it sends) joins that trace.
 */
const traced =
  <E, R>({ name, handle }: SubscriptionOptions<E, R>) =>
  (events: ReadonlyArray<Committed>): Effect.Effect<void, E, R> =>
    Effect.flatMap(
      Effect.forEach(events, (event) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.makeSpan(
            `process ${name}`,
            spanOptions({
              kind: "consumer",
              ...continuing(event.traceparent, Date.parse(event.at), now),
              attributes: {
                "low.subscription": name,
                "low.stream": event.stream,
                "low.version": event.version,
                "low.position": event.position
              }
            })
          )
        )
      ),
      (spans) =>
        Effect.onExit(spans.length === 1 ? Effect.withParentSpan(handle(events), spans[0]!) : handle(events), (exit) =>
          endSpans(spans, exit)
        )
    )

const subscribeWith = <E, R>(
  pg: PgClient,
  options: SubscriptionOptions<E, R>,
  handle: (events: ReadonlyArray<Committed>) => Effect.Effect<void, E, R>
): Effect.Effect<never, never, R> => {
  const batch = options.batch ?? 500
  const idle = Duration.decode(options.idle ?? "1 second")
  // However long the older transaction runs, the events it held back are delivered within this of its end.
  const heldPoll = Duration.min(idle, Duration.decode(options.heldPoll ?? "1 second"))
  let heldFor = 0
  // Where the subscription is, for its lag metric: unknown until its checkpoint is loaded.
  let at: Checkpoint | undefined
  const step = (from: Checkpoint): Effect.Effect<Checkpoint, E | PortFailure, R> =>
    Effect.gen(function* () {
      const { events, next } = yield* readAfter(pg, from, batch)
      if (events.length === 0) {
        const held = yield* heldBack(pg, from)
        heldFor = held ? heldFor + 1 : 0
        yield* options.wake(held ? Duration.min(heldPoll, Duration.millis(5 * 2 ** Math.min(heldFor, 12))) : idle)
        return from
      }
      heldFor = 0
      yield* handle(events)
      yield* saveCheckpoint(pg, options.name, next)
      at = next
      return next
    })
  const loop = Effect.flatMap(loadCheckpoint(pg, options.name), (start) => {
    at = start
    return Effect.iterate(start, { while: () => true, body: step })
  })
  const running = loop.pipe(
    // A handler that throws is retried like one that fails: the checkpoint stays before its batch.
    Effect.catchAllDefect((defect) => Effect.fail(defect)),
    Effect.tapError((error) => Effect.logWarning("subscription failed; resuming", { name: options.name, error: String(error) })),
    Effect.retry(Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("5 seconds")))),
    Effect.zipRight(Effect.never)
  ) as Effect.Effect<never, never, R>
  return Effect.scoped(
    Effect.zipRight(
      subscriptionMetrics(pg, options.name, () => at),
      running
    )
  )
}
