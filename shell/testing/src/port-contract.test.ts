import { Effect } from "effect"
import { MemoryStore } from "@low/core"
import { describePortContract } from "./port-contract"

// The memory store is the reference every other adapter is held to.
describePortContract("memory", () => MemoryStore.layer, {
  applyChanges: (changes, version) => Effect.flatMap(MemoryStore, (store) => Effect.sync(() => store.applyChanges(changes, version))),
  tellsChanges: true
})
