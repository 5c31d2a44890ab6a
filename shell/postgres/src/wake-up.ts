import { Context, Deferred, Duration, Effect, Schedule, type Scope } from "effect"
import { randomUUID } from "node:crypto"
import pg from "pg"
import type { DocId } from "@low/core"
import type { PgClient } from "./pool"

/** The channel committed events are announced on. Only a hint: readers never rely on getting it. */
export const eventsChannel = "low_events"

/** Least time between two announcements from one process, so a burst of commits costs one NOTIFY. */
const spacing = 50

/** Postgres refuses a NOTIFY payload of 8000 bytes or more: past this, an announcement does not list documents. */
const maxPayload = 7_000

/**
 * What an announcement says: the process that made it (`from`: its `instance`), and the documents its commits
 * changed. Each may be unknown (an announcement of an older version, too many documents, a reconnection): then any
 * document may have changed.
 */
export interface Announcement {
  readonly from?: string
  readonly docs?: ReadonlyArray<DocId>
}

const parseAnnouncement = (payload: string | undefined): Announcement => {
  try {
    const { from, docs } = JSON.parse(payload ?? "") as { from?: unknown; docs?: unknown }
    return {
      ...(typeof from === "string" ? { from } : {}),
      ...(Array.isArray(docs) ? { docs: docs.filter((d): d is DocId => Array.isArray(d) && d.length === 2) } : {})
    }
  } catch {
    return {}
  }
}

/**
 * Announces commits after the fact, outside the command's transaction: a NOTIFY inside it would serialize
 * every commit on the database-wide notify lock. A lost announcement only delays a reader until its next poll. Each
 * announcement names the process (`instance`), whose own readers were told of its commits as they were made, and
 * the documents the commits since the last one changed.
 */
export const makeWakeUp = (
  pg: PgClient
): Effect.Effect<{ readonly notify: (changed: Iterable<DocId>) => void } & LocalCommits["Type"], never, Scope.Scope> =>
  Effect.gen(function* () {
    const instance = randomUUID()
    const listeners = new Set<() => void>()
    let closed = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let changed = new Map<string, DocId>()
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        clearTimeout(timer)
      })
    )
    const send = () => {
      timer = undefined
      if (closed) return
      const listed = JSON.stringify({ from: instance, docs: [...changed.values()] })
      changed = new Map()
      const payload = listed.length <= maxPayload ? listed : JSON.stringify({ from: instance })
      pg.pool.query("select pg_notify($1, $2)", [eventsChannel, payload]).catch(() => undefined)
    }
    return {
      instance,
      notify: (docs) => {
        for (const listener of listeners) listener()
        for (const doc of docs) changed.set(`${doc[0]}\u0000${doc[1]}`, doc)
        if (timer === undefined && !closed) timer = setTimeout(send, spacing)
      },
      onCommit: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      }
    }
  })

/** The commits of this process, as they happen: its readers need not wait for the announcement Postgres carries. */
export class LocalCommits extends Context.Tag("low/postgres/LocalCommits")<
  LocalCommits,
  {
    /** What this process's announcements carry, so that its own listeners pass them over. */
    readonly instance: string
    readonly onCommit: (listener: () => void) => () => void
  }
>() {}

/**
 * A dedicated connection LISTENing for announcements, reconnected whenever it drops, for as long as the scope lives:
 * calls `heard` at each announcement but those of the process `own` names, and at each (re)connection (as an
 * announcement of unknown commits), since what was announced while no connection listened is not announced again.
 */
export const onAnnouncements = (
  connectionString: string,
  heard: (announcement: Announcement) => void,
  own?: string
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    let client: pg.Client | undefined
    const connect = Effect.tryPromise(async () => {
      const c = new pg.Client({ connectionString, keepAlive: true, connectionTimeoutMillis: 5_000, application_name: "low listen" })
      c.on("notification", ({ payload }) => {
        const announcement = parseAnnouncement(payload)
        if (own === undefined || announcement.from !== own) heard(announcement)
      })
      c.on("error", () => undefined)
      await c.connect()
      await c.query(`listen ${eventsChannel}`)
      client = c
      heard({})
      return await new Promise<void>((resolve) => c.once("end", resolve))
    })
    const run = connect.pipe(
      Effect.ensuring(
        Effect.sync(() => {
          void client?.end().catch(() => undefined)
          client = undefined
        })
      ),
      Effect.ignore,
      Effect.repeat(Schedule.spaced("500 millis"))
    )
    yield* Effect.forkScoped(run)
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        await client?.end().catch(() => undefined)
      })
    )
  })

/**
 * The announcements for one reader. `next(max)` completes at the first announcement since the previous `next`
 * completed, or after `max`, whichever comes first: an announcement that arrives while the reader is reading is not
 * lost, it makes the next wait end at once. With `local`, a commit of this process counts as an announcement the
 * moment it is made (and its announcement, coming later, does not count again).
 */
export const listenForCommits = (connectionString: string, local?: LocalCommits["Type"]) =>
  Effect.gen(function* () {
    let waiting: Array<Deferred.Deferred<void>> = []
    // Announcements (and reconnections) so far, and how many of them the reader had when its last wait ended.
    let announced = 0
    let seen = 0
    const wakeAll = () => {
      announced++
      const ready = waiting
      waiting = []
      for (const d of ready) Deferred.unsafeDone(d, Effect.void)
    }
    if (local !== undefined) {
      const stop = local.onCommit(wakeAll)
      yield* Effect.addFinalizer(() => Effect.sync(stop))
    }
    yield* onAnnouncements(connectionString, wakeAll, local?.instance)
    return {
      /** How many announcements (and reconnections) have arrived so far. */
      announcements: () => announced,
      next: (max: Duration.DurationInput) =>
        Effect.gen(function* () {
          if (announced > seen) {
            seen = announced
            return
          }
          const d = yield* Deferred.make<void>()
          waiting.push(d)
          yield* Deferred.await(d).pipe(
            Effect.timeoutOption(Duration.decode(max)),
            Effect.ensuring(
              Effect.sync(() => {
                waiting = waiting.filter((w) => w !== d)
                seen = announced
              })
            )
          )
        })
    }
  })
