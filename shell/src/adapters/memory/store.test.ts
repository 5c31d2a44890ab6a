import { Effect } from "effect"
import { describePortContract } from "../../testing/port-contract"
import { MemoryStore } from "./store"

describePortContract("memory", () => MemoryStore.layer, {
  applyChanges: (changes, version) => Effect.flatMap(MemoryStore, (store) => Effect.sync(() => store.applyChanges(changes, version)))
})
