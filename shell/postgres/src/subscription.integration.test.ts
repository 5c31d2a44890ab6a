import { Effect, Exit, Fiber, ManagedRuntime, Scope } from "effect"
import type { QueryConfig, QueryResultRow } from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Commit, Committed } from "@low/core"
import { Pg, type PgClient } from "./pool"
import { migrate } from "./migrations"
import { makePostgresPorts } from "./store"
import { loadCheckpoint, origin, readAfter, subscribe } from "./subscription"
import { createTestDatabase, type TestDatabase } from "./testing"
import { eventsChannel, listenForCommits, makeWakeUp } from "./wake-up"
import { eventually } from "@low/testing"

let db: TestDatabase
let runtime: ManagedRuntime.ManagedRuntime<Pg, unknown>
let pg: PgClient
const run = <A, E>(effect: Effect.Effect<A, E, Pg>) => runtime.runPromise(effect)

beforeAll(async () => {
  db = await createTestDatabase()
  runtime = ManagedRuntime.make(Pg.layer({ connectionString: db.url }))
  pg = await run(Pg)
  await run(migrate(pg))
})
afterAll(async () => {
  await runtime?.dispose()
  await db?.drop()
})

const commitOf = (stream: string, version: number): Commit => ({
  entity: `e/${stream}`,
  commandId: `c-${version}`,
  fingerprint: "{}",
  at: new Date(0).toISOString(),
  ops: [{ _tag: "Append", stream, expectedVersion: version - 1, events: [{ _tag: "Ticked" }] }],
  project: () => []
})
const commit = (stream: string, version = 1) => run(makePostgresPorts(pg).events.commit(commitOf(stream, version)))
const everything = async () => (await run(readAfter(pg, origin, 100_000))).events
/**
 * The events of these streams that a reader can have now. Tests name their streams rather than count: a
 * transaction of another test, in any database of the cluster, may hold back events for a while.
 */
const readable = async (...streams: ReadonlyArray<string>) => (await everything()).filter((e) => streams.includes(e.stream))

describe("subscription to the event log", () => {
  it("given events of transactions whose ids have fewer and more digits, when read a page at a time, then they come in transaction order", async () => {
    // Ids a long-lived database passes through, inserted in the reverse of their order: as text, 100 sorts before 99.
    for (const tx of ["100", "99", "10", "9"])
      await pg.pool.query(
        `insert into events (tx, stream_id, version, command_id, seq, type, data, metadata)
         values ($1::xid8, $2, 1, $2, 0, 'Ticked', '{"_tag":"Ticked"}', $3)`,
        [tx, `digits-${tx}`, JSON.stringify({ commandId: `digits-${tx}`, at: new Date(0).toISOString() })]
      )
    const first = await run(readAfter(pg, origin, 2))
    const second = await run(readAfter(pg, first.next, 2))
    expect([...first.events, ...second.events].map((e) => e.stream)).toEqual(["digits-9", "digits-10", "digits-99", "digits-100"])
    expect(second.next.tx).toBe("100")
  })

  it("given a transaction holding an earlier position that commits after a later one, then the subscription waits for it and delivers both in order", async () => {
    const slow = await pg.pool.connect()
    try {
      await slow.query("begin")
      await slow.query(
        `insert into events (stream_id, version, command_id, seq, type, data, metadata)
         values ('gap-slow', 1, 'c-1', 0, 'Ticked', '{"_tag":"Ticked"}', '{"commandId":"c-1","at":"1970-01-01T00:00:00.000Z"}')`
      )
      const [fast] = await commit("gap-fast")
      // Reading `position > last` now would return gap-fast and then never gap-slow, whose position is lower.
      expect(await readable("gap-slow", "gap-fast")).toEqual([])
      await slow.query("commit")
      // Delivery waits for every older transaction of the cluster, which other tests may be running right now.
      await eventually(async () => (await readable("gap-slow", "gap-fast")).length === 2)
      const after = await readable("gap-slow", "gap-fast")
      expect(after.map((e) => e.stream)).toEqual(["gap-slow", "gap-fast"])
      expect(after[0]!.position).toBeLessThan(fast!.position)
    } finally {
      slow.release()
    }
  })

  it("given an aborted transaction, then the subscription moves past it and delivers what committed", async () => {
    const aborted = await pg.pool.connect()
    try {
      await aborted.query("begin")
      await aborted.query(
        `insert into events (stream_id, version, command_id, seq, type, data, metadata)
         values ('aborted', 1, 'c-1', 0, 'Ticked', '{"_tag":"Ticked"}', '{"commandId":"c-1","at":"1970-01-01T00:00:00.000Z"}')`
      )
      await commit("after-abort")
      expect(await readable("aborted", "after-abort")).toEqual([])
      await aborted.query("rollback")
      await eventually(async () => (await readable("after-abort")).length === 1)
      expect((await readable("aborted", "after-abort")).map((e) => e.stream)).toEqual(["after-abort"])
    } finally {
      aborted.release()
    }
  })

  it("given a running subscriber woken by NOTIFY, when events are committed, then each is delivered once, and after a restart it resumes at its checkpoint", async () => {
    const name = `sub-${Date.now()}`
    const delivered: Array<Committed> = []
    const start = Effect.gen(function* () {
      const listener = yield* listenForCommits(db.url)
      // A long idle poll: only the NOTIFY wake-up (or a look for events held back) can deliver within the deadline.
      return yield* subscribe(pg, {
        name,
        batch: 7,
        idle: "1 minute",
        wake: listener.next,
        handle: (events) => Effect.sync(() => void delivered.push(...events))
      })
    }).pipe(Effect.scoped)
    const subscriber = runtime.runFork(start)
    // Caught up: it has delivered all that a reader can have now.
    await eventually(async () => delivered.length === (await everything()).length)
    const scope = await run(Scope.make())
    const wake = await run(Scope.extend(makeWakeUp(pg), scope))
    const ports = makePostgresPorts(pg, wake.notify)
    const live = Array.from({ length: 20 }, (_, i) => `live-${i}`)
    await Promise.all(live.map((stream) => run(ports.events.commit(commitOf(stream, 1)))))
    await eventually(() => live.every((stream) => delivered.some((e) => e.stream === stream)))
    await run(Scope.close(scope, Exit.void))
    await run(Fiber.interrupt(subscriber))
    // Every other event of this database committed before these began, so none can still be held back.
    const total = (await everything()).length
    expect(delivered.length).toBe(total)
    expect(new Set(delivered.map((e) => e.position)).size).toBe(total)
    expect(await run(loadCheckpoint(pg, name))).toMatchObject({ position: delivered.at(-1)!.position })

    for (let i = 1; i <= 5; i++) await commit(`after-restart-${i}`)
    delivered.length = 0
    const again = runtime.runFork(start)
    await eventually(() => delivered.length >= 5)
    await run(Fiber.interrupt(again))
    expect(delivered.map((e) => e.stream)).toEqual([1, 2, 3, 4, 5].map((i) => `after-restart-${i}`))
  })

  it("given an announcement that arrives while its reader is not waiting, when the reader waits next, then the wait ends at once", {
    timeout: 20_000
  }, async () => {
    await run(
      Effect.scoped(
        Effect.gen(function* () {
          const listener = yield* listenForCommits(db.url)
          // The first wait ends once the listener is connected (connecting counts as an announcement).
          yield* listener.next("10 seconds")
          const before = listener.announcements()
          yield* Effect.promise(() => pg.pool.query("select pg_notify($1, '')", [eventsChannel]))
          yield* Effect.promise(() => eventually(() => listener.announcements() > before, { what: "the announcement" }))
          // It arrived between two waits, as it does while a subscriber reads: waiting a minute for the next would lose it.
          const waited = yield* Effect.either(Effect.timeout(listener.next("1 minute"), "5 seconds"))
          expect(waited._tag).toBe("Right")
        })
      )
    )
  })

  it("given a subscriber woken while an older transaction holds its event back, when that transaction ends, then the event is delivered without another announcement", {
    timeout: 150_000
  }, async () => {
    const name = `held-${Date.now()}`
    const delivered: Array<Committed> = []
    let reads = 0
    const start = Effect.gen(function* () {
      const listener = yield* listenForCommits(db.url)
      // A long idle poll: without a look of its own, the subscriber would wait a minute for the next announcement.
      return yield* subscribe(pg, {
        name,
        batch: 50,
        idle: "1 minute",
        wake: (max) => Effect.suspend(() => (reads++, listener.next(max))),
        handle: (events) => Effect.sync(() => void delivered.push(...events))
      })
    }).pipe(Effect.scoped)
    const subscriber = runtime.runFork(start)
    const scope = await run(Scope.make())
    const blocker = await pg.pool.connect()
    try {
      await eventually(async () => delivered.length === (await everything()).length)
      // An older transaction, still running when the event commits and is announced.
      await blocker.query("begin")
      await blocker.query("select pg_current_xact_id()")
      const wake = await run(Scope.extend(makeWakeUp(pg), scope))
      const readsBefore = reads
      await run(makePostgresPorts(pg, wake.notify).events.commit(commitOf("held-back", 1)))
      // The announcement woke the subscriber, which read nothing it could deliver yet.
      await eventually(() => reads > readsBefore)
      expect(delivered.some((e) => e.stream === "held-back")).toBe(false)
      await blocker.query("rollback")
      // Any transaction of the cluster holds the event back, another test file's too (a rebuild runs for seconds in
      // one): the promise is a delivery soon after the last of them ends, without another announcement.
      const readable = async () =>
        (
          await pg.pool.query<{ free: boolean }>(
            "select pg_snapshot_xmin(pg_current_snapshot()) > tx as free from events where stream_id = 'held-back'"
          )
        ).rows[0]?.free === true
      await eventually(readable, { what: "the end of every transaction older than the event", withinMs: 120_000, everyMs: 50 })
      await eventually(() => delivered.some((e) => e.stream === "held-back"), { what: "delivery of the held-back event", withinMs: 10_000 })
    } finally {
      blocker.release()
      await run(Scope.close(scope, Exit.void))
      await run(Fiber.interrupt(subscriber))
    }
  })
  it("given the older transaction ends between the read that found its event held back and the look for held-back events, then the event is still delivered soon, without another announcement", {
    timeout: 30_000
  }, async () => {
    const name = `race-${Date.now()}`
    const delivered: Array<Committed> = []
    const blocker = await pg.pool.connect()
    // Once armed, the next read that finds nothing ends the older transaction before it answers: the look for
    // held-back events that follows it runs after that end.
    let armed = false
    const racing: PgClient = {
      ...pg,
      query: <R extends QueryResultRow>(query: QueryConfig) =>
        Effect.tap(pg.query<R>(query), (result) =>
          armed && query.name === "low_read_after" && result.rows.length === 0
            ? Effect.promise(async () => {
                armed = false
                await blocker.query("rollback")
              })
            : Effect.void
        )
    }
    let waiting = false
    const start = Effect.gen(function* () {
      const listener = yield* listenForCommits(db.url)
      return yield* subscribe(racing, {
        name,
        batch: 50,
        idle: "1 minute",
        wake: (max) =>
          Effect.suspend(() => {
            waiting = true
            return Effect.ensuring(
              listener.next(max),
              Effect.sync(() => void (waiting = false))
            )
          }),
        handle: (events) => Effect.sync(() => void delivered.push(...events))
      })
    }).pipe(Effect.scoped)
    const subscriber = runtime.runFork(start)
    try {
      await eventually(async () => delivered.length === (await everything()).length && waiting)
      await blocker.query("begin")
      await blocker.query("select pg_current_xact_id()")
      await commit("raced")
      armed = true
      await pg.pool.query("select pg_notify($1, '')", [eventsChannel])
      await eventually(() => !armed, { what: "the read that found the event held back" })
      await eventually(() => delivered.some((e) => e.stream === "raced"), { what: "delivery of the raced event", withinMs: 10_000 })
    } finally {
      await blocker.query("rollback").catch(() => undefined)
      blocker.release()
      await run(Fiber.interrupt(subscriber))
    }
  })
})
