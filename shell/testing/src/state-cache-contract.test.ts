import { Context, Effect, Layer } from "effect"
import { EntityStates, UniqueIndex } from "@low/functions"
import { EventStore, makeMemoryStore } from "@low/core"
import { describeStateCache } from "./state-cache-contract"

describeStateCache("the memory store", () =>
  Layer.effectContext(
    Effect.sync(() => {
      const { ports } = makeMemoryStore()
      return Context.make(EntityStates, ports.states).pipe(Context.add(UniqueIndex, ports.unique), Context.add(EventStore, ports.events))
    })
  )
)
