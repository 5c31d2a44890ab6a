import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { migrate, migrations } from "./migrations"
import { Pg } from "./pool"
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
