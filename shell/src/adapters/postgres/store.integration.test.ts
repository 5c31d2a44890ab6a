import { Effect, Layer } from "effect"
import { describePortContract } from "../../testing/port-contract"
import { Pg } from "./pool"
import { applyViewChanges } from "./projection"
import { PostgresStore } from "./store"
import { createTestDatabase } from "./testing"

/** A database of its own for this run, dropped when the suite's layer is released. */
const store = Layer.unwrapScoped(
  Effect.map(
    Effect.acquireRelease(Effect.promise(createTestDatabase), (db) => Effect.promise(db.drop)),
    (db) => PostgresStore({ connectionString: db.url })
  )
)

describePortContract("postgres", () => store, {
  applyChanges: (changes, version) =>
    Effect.flatMap(Pg, (pg) => applyViewChanges(pg, changes.map((change) => ({ change, version }))))
})
