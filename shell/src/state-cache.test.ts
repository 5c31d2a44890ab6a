import { Context, Effect, Layer, Schedule } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { assertEquals } from "@effect/vitest/utils"
import { EntityStates, InsufficientFunds, UniqueIndex, walletHandler, type WalletCommand } from "@low/functions"
import { makeMemoryStore } from "./adapters/memory/store"
import { EventStore } from "./event-store"
import { Executor, type Outcome } from "./executor"
import { withStateCache } from "./state-cache"

const at = "2026-01-01T00:00:00.000Z"

/**
 * Two processes on one store, as two instances on one database: each has its own cache and executor. `reads`
 * counts the states read from the store itself.
 */
const deployment = (capacity = 100) => {
  const store = makeMemoryStore()
  const reads = { count: 0 }
  const states = EntityStates.of({
    get: (stream, schema) => Effect.suspend(() => (reads.count++, store.ports.states.get(stream, schema)))
  })
  const instance = () => {
    const cached = withStateCache({ states, events: store.ports.events }, capacity)
    const layer = Executor.layer({ conflictRetries: Schedule.recurs(5) }).pipe(
      Layer.provideMerge(Layer.succeedContext(
        Context.make(EntityStates, cached.states).pipe(Context.add(UniqueIndex, store.ports.unique), Context.add(EventStore, cached.events))
      ))
    )
    return (command: WalletCommand) =>
      Effect.flatMap(Executor, (ex) => ex.run(walletHandler, command, { commandId: `c-${++sent}`, at, freshId: "f" })).pipe(
        Effect.provide(layer)
      )
  }
  let sent = 0
  return { a: instance(), b: instance(), reads }
}

const open = { _tag: "OpenWallet", walletId: "w", owner: "Ann" } as const
const credit = (amount: number, walletId = "w"): WalletCommand => ({ _tag: "Credit", walletId, amount })
const debit = (amount: number): WalletCommand => ({ _tag: "Debit", walletId: "w", amount })

const balanceAfter = (outcome: Outcome) =>
  outcome._tag === "Applied" ? (outcome.events[0]?.event as { balanceAfter?: number }).balanceAfter : undefined

describe("withStateCache", () => {
  it.effect("given a state this process committed, when the next command on it comes, then it reads nothing from the store", () =>
    Effect.gen(function* () {
      const { a, reads } = deployment()
      yield* a(open)
      yield* a(credit(10))
      expect(balanceAfter(yield* a(debit(4)))).toBe(6)
      expect(reads.count).toBe(1)
    }))

  it.effect("given a state another process moved since, when a command is rejected on the cached one, then it is decided again on the stored state", () =>
    Effect.gen(function* () {
      const { a, b } = deployment()
      yield* a(open)
      assertEquals(yield* Effect.flip(b(debit(10))), new InsufficientFunds({ walletId: "w", balance: 0, amount: 10 }))
      yield* a(credit(100))
      expect(balanceAfter(yield* b(debit(50)))).toBe(50)
    }))

  it.effect("given a state another process moved since, when a command is rejected on the stored state too, then the rejection names the stored balance", () =>
    Effect.gen(function* () {
      const { a, b } = deployment()
      yield* a(open)
      yield* b(credit(5))
      yield* a(credit(10))
      assertEquals(yield* Effect.flip(b(debit(20))), new InsufficientFunds({ walletId: "w", balance: 15, amount: 20 }))
    }))

  it.effect("given a state another process moved since, when a command is accepted on the cached one, then its commit conflicts and it is decided again on the stored state", () =>
    Effect.gen(function* () {
      const { a, b, reads } = deployment()
      yield* a(open)
      yield* b(credit(50))
      yield* a(debit(20))
      const before = reads.count
      const outcome = yield* b(credit(5))
      expect(balanceAfter(outcome)).toBe(35)
      expect(outcome._tag === "Applied" && outcome.events.map((e) => e.version)).toStrictEqual([4])
      expect(reads.count).toBe(before + 1)
      // The state the retry read and committed is the one kept: the next command reads nothing.
      expect(balanceAfter(yield* b(debit(35)))).toBe(0)
      expect(reads.count).toBe(before + 1)
    }))

  it.effect("given more states than it keeps, when the least recently used one is needed again, then it is read from the store", () =>
    Effect.gen(function* () {
      const { a, reads } = deployment(2)
      for (const walletId of ["w1", "w2"]) yield* a({ _tag: "OpenWallet", walletId, owner: "Ann" })
      yield* a(credit(1, "w1"))
      yield* a({ _tag: "OpenWallet", walletId: "w3", owner: "Ann" })
      const before = reads.count
      yield* a(credit(1, "w1"))
      yield* a(credit(1, "w3"))
      expect(reads.count).toBe(before)
      expect(balanceAfter(yield* a(credit(1, "w2")))).toBe(1)
      expect(reads.count).toBe(before + 1)
    }))
})
