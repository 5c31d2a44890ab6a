import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
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

  it("given readers waiting for two documents on one instance, when another instance's commit changes one, then its reader is told, and not the other's", async () => {
    const [here, there] = [0, 1].map(() => ManagedRuntime.make(PostgresStore.layer({ connectionString: db.url })))
    try {
      const views = await here!.runPromise(Views)
      const events = await there!.runPromise(EventStore)
      const note = (stream: string, doc: string) =>
        there!.runPromise(
          events.commit({
            entity: `e/${stream}`,
            commandId: "c-1",
            fingerprint: "{}",
            at: new Date(0).toISOString(),
            ops: [{ _tag: "Append", stream, expectedVersion: 0, events: [{ _tag: "Noted" }] }],
            project: () => [View.put("notes", doc, { noted: true })]
          })
        )
      // First, this instance listens: told once it connected (any document may have changed meanwhile) or by the
      // announcement of this commit, whichever comes first.
      let listening = false
      views.onChange!("notes", "first", () => (listening = true))
      await note("s0", "first")
      await eventually(() => listening, { what: "this instance listening", withinMs: 5_000 })
      const told: Array<string> = []
      for (const doc of ["n1", "n2"]) views.onChange!("notes", doc, () => told.push(doc))
      await note("s1", "n1")
      // Postgres carries the other instance's announcement (there is no schedule here to read again on).
      await eventually(() => told.length > 0, { what: "a reader told", withinMs: 5_000 })
      expect(told).toStrictEqual(["n1"])
    } finally {
      await Promise.all([here!.dispose(), there!.dispose()])
    }
  })
})
