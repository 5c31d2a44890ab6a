import { Effect, Exit, Logger } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Pg, postgresHealth } from "./pool"
import { createTestDatabase, type TestDatabase } from "./testing"

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase()
})
afterAll(async () => {
  await db?.drop()
})

/** Runs `use` with a pool of two connections, each waiting at most 500 ms for a connection, collecting log lines. */
const withPool = <A>(use: (pg: Pg["Type"]) => Effect.Effect<A, unknown>, url = db.url) => {
  const lines: Array<{ message: string; annotations: string }> = []
  // A line logged as (text, details) arrives as [text, details].
  const logger = Logger.make(({ message }) => {
    const [text, ...details] = Array.isArray(message) ? message : [message]
    lines.push({ message: String(text), annotations: JSON.stringify(details) })
  })
  const run = Effect.runPromise(
    Effect.scoped(Effect.flatMap(Pg, use)).pipe(
      Effect.provide(Pg.layer({ connectionString: url, max: 2, connectionTimeoutMs: 500 })),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger))
    )
  )
  return { run, lines }
}

describe("the Postgres pool", () => {
  it("given every pooled connection busy, when /healthz asks, then Postgres answers at once, where a pooled query would wait its turn", async () => {
    const { run } = withPool((pg) =>
      Effect.gen(function* () {
        // Both connections held by statements of 3 s, as a burst of slow requests holds them.
        const busy = yield* Effect.fork(
          Effect.all([pg.query({ text: "select pg_sleep(3)" }), pg.query({ text: "select pg_sleep(3)" })], { concurrency: "unbounded" })
        )
        yield* Effect.sleep("300 millis")
        const pooled = yield* Effect.exit(pg.query({ text: "select 1" }))
        const started = performance.now()
        const health = yield* Effect.exit(postgresHealth(pg).check)
        const healthMs = performance.now() - started
        yield* Effect.fromFiber(busy)
        return { pooled, health, healthMs }
      })
    )
    const { pooled, health, healthMs } = await run
    expect(Exit.isFailure(pooled)).toBe(true) // the pool's 500 ms wait for a connection ran out
    expect(Exit.isSuccess(health)).toBe(true)
    expect(healthMs).toBeLessThan(1_000)
  })

  it("given a connection where synchronous_commit is off, when the pool starts, then it warns that acknowledged commits may be lost", async () => {
    const url = new URL(db.url)
    url.searchParams.set("options", "-c synchronous_commit=off")
    const unsafe = withPool((pg) => pg.query({ text: "select 1" }), url.toString())
    await unsafe.run
    const warning = unsafe.lines.find((line) => line.message === "postgres is not durable")
    expect(warning?.annotations).toContain("synchronous_commit is off")

    const safe = withPool((pg) => pg.query({ text: "select 1" }))
    await safe.run
    expect(safe.lines.map((line) => line.message)).not.toContain("postgres is not durable")
  })
})
