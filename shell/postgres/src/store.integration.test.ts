import { Effect, Layer } from "effect"
import { describePortContract, type PortContractOptions } from "@low/testing/port-contract"
import { Pg } from "./pool"
import { applyViewChanges } from "./projection"
import { PostgresStore } from "./store"
import { createTestDatabase } from "./testing"

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
    )
}

// What the database itself stores and answers, then the same through the cache of states a deployment runs with.
describePortContract("postgres", () => store(0), options)
describePortContract("postgres, states cached", () => store(10_000), options)
