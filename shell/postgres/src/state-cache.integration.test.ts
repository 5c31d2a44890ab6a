import { Effect, Layer } from "effect"
import { describeStateCache } from "@low/testing/state-cache-contract"
import { PostgresStore } from "./store"
import { createTestDatabase } from "./testing"

describeStateCache("postgres", () =>
  Layer.unwrapScoped(
    Effect.map(
      Effect.acquireRelease(Effect.promise(createTestDatabase), (db) => Effect.promise(db.drop)),
      (db) => PostgresStore.layer({ connectionString: db.url, cachedStates: 0 })
    )
  )
)
