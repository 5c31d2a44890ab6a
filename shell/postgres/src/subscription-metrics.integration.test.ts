import { Deferred, Duration, Effect, Fiber, ManagedRuntime, Metric, MetricState } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Commit } from "@low/core"
import { sampleMetrics } from "@low/core"
import { eventually } from "@low/testing"
import { migrate } from "./migrations"
import { Pg, type PgClient } from "./pool"
import { makePostgresPorts } from "./store"
import { subscribe } from "./subscription"
import { createTestDatabase, type TestDatabase } from "./testing"

let db: TestDatabase
let runtime: ManagedRuntime.ManagedRuntime<Pg, unknown>
let pg: PgClient

beforeAll(async () => {
  db = await createTestDatabase()
  runtime = ManagedRuntime.make(Pg.layer({ connectionString: db.url }))
  pg = await runtime.runPromise(Pg)
  await runtime.runPromise(migrate(pg))
})
afterAll(async () => {
  await runtime?.dispose()
  await db?.drop()
})

const commitOf = (stream: string): Commit => ({
  entity: `e/${stream}`,
  commandId: stream,
  fingerprint: "{}",
  at: new Date(0).toISOString(),
  ops: [{ _tag: "Append", stream, expectedVersion: 0, events: [{ _tag: "Ticked" }] }],
  project: () => []
})

/** A gauge's value after a scrape's readings, as the exposition would show it; undefined before its first reading. */
const gauge = async (name: string, labels: Record<string, string>) => {
  await Effect.runPromise(sampleMetrics("2 seconds"))
  const pair = Metric.unsafeSnapshot().find(
    ({ metricKey }) =>
      metricKey.name === name &&
      Object.entries(labels).every(([key, value]) => metricKey.tags.some((t) => t.key === key && t.value === value))
  )
  return pair !== undefined && MetricState.isGaugeState(pair.metricState) ? Number(pair.metricState.value) : undefined
}

describe("subscription metrics", () => {
  it("given 5 events and a subscription stuck on its first batch, when scraped, then its lag is 5, and 0 once it has handled them", async () => {
    for (let i = 0; i < 5; i++) await runtime.runPromise(makePostgresPorts(pg).events.commit(commitOf(`lag-${i}`)))
    const release = Effect.runSync(Deferred.make<void>())
    const fiber = runtime.runFork(
      subscribe(pg, {
        name: "lag-test",
        handle: () => Deferred.await(release),
        wake: (max) => Effect.sleep(Duration.min(Duration.decode(max), Duration.millis(20)))
      })
    )
    const lag = () => gauge("low_postgres_subscription_lag_events", { subscription: "lag-test" })
    await eventually(async () => (await lag()) === 5, { what: "the lag at 5" })
    Effect.runSync(Deferred.succeed(release, undefined))
    await eventually(async () => (await lag()) === 0, { what: "the lag at 0" })
    await runtime.runPromise(Fiber.interrupt(fiber))
  })

  it("given the pool, when scraped, then its connections by state, waiting requests and maximum are read", async () => {
    expect(await gauge("low_postgres_pool_max_connections", {})).toBe(16)
    expect(await gauge("low_postgres_pool_connections", { state: "idle" })).toBeGreaterThanOrEqual(0)
    // The query the interrupted subscription had in flight gives its connection back once it is answered.
    await eventually(async () => (await gauge("low_postgres_pool_connections", { state: "busy" })) === 0, { what: "no busy connection" })
    expect(await gauge("low_postgres_pool_waiting_requests", {})).toBe(0)
  })
})
