import { Cause, Effect, Exit, Logger } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { migrate, type MigrateOptions, migrations } from "./migrations"
import { Pg, sqlState } from "./pool"
import { createTestDatabase, type TestDatabase } from "./testing"

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => {
  await db?.drop()
})

/** Migrates through a pool of its own, as one starting instance does. */
const instance = () =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(Pg, migrate).pipe(Effect.provide(Pg.layer({ connectionString: db.url, max: 2 })))))

describe("schema migrations", () => {
  it("given a fresh database, when four instances start at once, then each migration is applied exactly once", async () => {
    const applied = await Promise.all([instance(), instance(), instance(), instance()])
    expect(applied.flat().sort()).toEqual(migrations.map((m) => m.version))
    expect(applied.filter((a) => a.length > 0)).toHaveLength(1)
    const rows = await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(Pg, (pg) => pg.query<{ version: number }>({ text: "select version from schema_migrations order by version" })).pipe(
          Effect.provide(Pg.layer({ connectionString: db.url, max: 1 }))
        )
      )
    )
    expect(rows.rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version))
  })

  it("given a migrated database, when an instance starts again, then nothing is applied", async () => {
    expect(await instance()).toEqual([])
  })
})

describe("schema migrations behind another instance's", () => {
  /** The migration lock held by another connection, as an instance migrating a large table holds it, until released. */
  const holdLock = async (url: string) => {
    const other = new pg.Client({ connectionString: url })
    await other.connect()
    await other.query("select pg_advisory_lock(7431106524)")
    return { release: () => other.end() }
  }

  /** Migrates through a pool whose statements may run 500 ms, collecting the log lines it writes. */
  const startingInstance = (url: string, options?: MigrateOptions) => {
    const lines: Array<string> = []
    // A line logged as (text, details) arrives as [text, details].
    const logger = Logger.make(({ message }) => lines.push(String(Array.isArray(message) ? message[0] : message)))
    const run = Effect.runPromiseExit(
      Effect.scoped(Effect.flatMap(Pg, (client) => migrate(client, options))).pipe(
        Effect.provide(Pg.layer({ connectionString: url, max: 1, statementTimeoutMs: 500 })),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
    )
    return { run, lines }
  }

  it("given another instance holding the lock past the statement timeout, when one starts, then it waits, says so, and migrates once the lock is free", async () => {
    const fresh = await createTestDatabase()
    try {
      const lock = await holdLock(fresh.url)
      const instance = startingInstance(fresh.url)
      let settled = false
      void instance.run.then(() => {
        settled = true
      })
      // Held for four times the statement timeout: a single wait for the lock would have been cancelled.
      await new Promise((resolve) => setTimeout(resolve, 2_000))
      expect(settled).toBe(false)
      expect(instance.lines).toContain("waiting for another instance to finish migrating postgres")
      await lock.release()
      const exit = await instance.run
      expect(Exit.isSuccess(exit) ? exit.value : Cause.pretty(exit.cause)).toEqual(migrations.map((m) => m.version))
    } finally {
      await fresh.drop()
    }
  })

  it("given the lock never freed, when an instance has waited as long as it may, then it fails naming the lock wait", async () => {
    const fresh = await createTestDatabase()
    try {
      const lock = await holdLock(fresh.url)
      try {
        const exit = await startingInstance(fresh.url, { waitAtMost: "1500 millis" }).run
        expect(Exit.isFailure(exit)).toBe(true)
        const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined
        expect(failure?._tag === "Some" ? sqlState(failure.value) : undefined).toBe("55P03")
      } finally {
        await lock.release()
      }
    } finally {
      await fresh.drop()
    }
  })
})
