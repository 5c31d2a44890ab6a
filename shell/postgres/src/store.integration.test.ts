import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, it } from "vitest"
import { View } from "@low/functions"
import { EventStore, Views } from "@low/core"
import { eventually } from "@low/testing"
import { describePortContract, type PortContractOptions } from "@low/testing/port-contract"
import { Pg } from "./pool"
import { applyViewChanges } from "./projection"
import { PostgresStore } from "./store"
import { createTestDatabase, type TestDatabase } from "./testing"

/** A database of its own for this run, dropped when the suite's layer is released. */
const store = (cachedStates: number) =>
  Layer.unwrapScoped(
    Effect.map(
      Effect.acquireRelease(Effect.promise(createTestDatabase), (db) => Effect.promise(db.drop)),
      (db) => PostgresStore.layer({ connectionString: db.url, cachedStates })
    )
  )

const options: PortContractOptions<Pg> = {
  applyChanges: (changes, version) =>
    Effect.flatMap(Pg, (pg) =>
      applyViewChanges(
        pg,
        changes.map((change) => ({ change, version }))
      )
    ),
  tellsChanges: true
}

// What the database itself stores and answers, then the same through the cache of states a deployment runs with.
describePortContract("postgres", () => store(0), options)
describePortContract("postgres, states cached", () => store(10_000), options)

describe("readers on two instances", () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(() => db?.drop())

  it("given a reader waiting for a document on one instance, when another instance's commit changes it, then the reader is told", async () => {
    const [here, there] = [0, 1].map(() => ManagedRuntime.make(PostgresStore.layer({ connectionString: db.url })))
    try {
      const views = await here!.runPromise(Views)
      const events = await there!.runPromise(EventStore)
      let told = false
      views.onChange!("notes", "n1", () => (told = true))
      await there!.runPromise(
        events.commit({
          entity: "e/n1",
          commandId: "c-1",
          fingerprint: "{}",
          at: new Date(0).toISOString(),
          ops: [{ _tag: "Append", stream: "n1", expectedVersion: 0, events: [{ _tag: "Noted" }] }],
          project: () => [View.put("notes", "n1", { noted: true })]
        })
      )
      // Postgres carries the other instance's announcement (there is no schedule here to read again on).
      await eventually(() => told, { what: "the reader told", withinMs: 5_000 })
    } finally {
      await Promise.all([here!.dispose(), there!.dispose()])
    }
  })
})
