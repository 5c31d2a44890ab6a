/**
 * What a cache of entity states in front of a store must keep: two processes on one store, each with its own
 * cache and executor, as two instances on one database, give the answers one process would. Run against the
 * memory store and against Postgres; each test works on wallets of its own.
 */
import { randomUUID } from "node:crypto"
import { Context, Effect, Layer, Schedule } from "effect"
import { describe, expect, layer } from "@effect/vitest"
import { assertEquals } from "@effect/vitest/utils"
import { EntityStates, InsufficientFunds, UniqueIndex, walletHandler, type WalletCommand } from "@low/functions"
import { EventStore } from "@low/core"
import { Executor, type Outcome } from "@low/core"
import { withStateCache } from "@low/core"

/** The store both processes share, without a cache. */
export type SharedPorts = EntityStates | UniqueIndex | EventStore

const at = "2026-01-01T00:00:00.000Z"

/** Two processes, `a` and `b`, each with a cache of `capacity` states; `reads` counts the states read from the store. */
const deployment = (capacity = 100) =>
  Effect.map(Effect.all({ states: EntityStates, unique: UniqueIndex, events: EventStore }), (store) => {
    const reads = { count: 0 }
    const counted = EntityStates.of({
      get: (stream, schema) => Effect.suspend(() => (reads.count++, store.states.get(stream, schema)))
    })
    const run = `sc-${randomUUID().slice(0, 8)}`
    let sent = 0
    const instance = () => {
      const cached = withStateCache({ states: counted, events: store.events }, capacity)
      const ports = Context.make(EntityStates, cached.states).pipe(
        Context.add(UniqueIndex, store.unique),
        Context.add(EventStore, cached.events)
      )
      const executor = Executor.layer({ conflictRetries: Schedule.recurs(5) }).pipe(Layer.provideMerge(Layer.succeedContext(ports)))
      return (command: WalletCommand) =>
        Effect.flatMap(Executor, (ex) =>
          ex.run(walletHandler, { ...command, walletId: `${run}-${command.walletId}` }, { commandId: `${run}-${++sent}`, at, freshId: "f" })
        ).pipe(Effect.provide(executor))
    }
    return { a: instance(), b: instance(), reads, wallet: (id: string) => `${run}-${id}` }
  })

const open = (walletId = "w"): WalletCommand => ({ _tag: "OpenWallet", walletId, owner: "Ann" })
const credit = (amount: number, walletId = "w"): WalletCommand => ({ _tag: "Credit", walletId, amount })
const debit = (amount: number): WalletCommand => ({ _tag: "Debit", walletId: "w", amount })

const balanceAfter = (outcome: Outcome) =>
  outcome._tag === "Applied" ? (outcome.events[0]?.event as { balanceAfter?: number } | undefined)?.balanceAfter : undefined

/** Declares the suite on the store `makeLayer` builds, shared by its tests. */
export const describeStateCache = (storeName: string, makeLayer: () => Layer.Layer<SharedPorts, unknown>): void =>
  layer(Layer.suspend(makeLayer), { excludeTestServices: true, timeout: "60 seconds" })(`state cache on ${storeName}`, (it) => {
    describe("one process", () => {
      it.effect("given a state this process committed, when the next commands on it come, then it reads nothing from the store", () =>
        Effect.gen(function* () {
          const { a, reads } = yield* deployment()
          yield* a(open())
          yield* a(credit(10))
          expect(balanceAfter(yield* a(debit(4)))).toBe(6)
          expect(reads.count).toBe(1)
        })
      )

      it.effect("given more states than it keeps, when the least recently used one is needed again, then it is read from the store", () =>
        Effect.gen(function* () {
          const { a, reads } = yield* deployment(2)
          yield* a(open("w1"))
          yield* a(open("w2"))
          yield* a(credit(1, "w1"))
          yield* a(open("w3"))
          const before = reads.count
          yield* a(credit(1, "w1"))
          yield* a(credit(1, "w3"))
          expect(reads.count).toBe(before)
          expect(balanceAfter(yield* a(credit(1, "w2")))).toBe(1)
          expect(reads.count).toBe(before + 1)
        })
      )
    })

    describe("two processes on one store", () => {
      it.effect(
        "given a state the other process moved since, when a command is rejected on the cached one, then it is decided again on the stored state",
        () =>
          Effect.gen(function* () {
            const { a, b, wallet } = yield* deployment()
            yield* a(open())
            assertEquals(yield* Effect.flip(b(debit(10))), new InsufficientFunds({ walletId: wallet("w"), balance: 0, amount: 10 }))
            yield* a(credit(100))
            expect(balanceAfter(yield* b(debit(50)))).toBe(50)
          })
      )

      it.effect(
        "given a state the other process moved since, when the stored state rejects the command too, then the rejection names the stored balance",
        () =>
          Effect.gen(function* () {
            const { a, b, wallet } = yield* deployment()
            yield* a(open())
            yield* b(credit(5))
            yield* a(credit(10))
            assertEquals(yield* Effect.flip(b(debit(20))), new InsufficientFunds({ walletId: wallet("w"), balance: 15, amount: 20 }))
          })
      )

      it.effect(
        "given a state the other process moved since, when a command is accepted on the cached one, then its commit conflicts and it is decided again on the stored state",
        () =>
          Effect.gen(function* () {
            const { a, b, reads } = yield* deployment()
            yield* a(open())
            yield* b(credit(50))
            yield* a(debit(20))
            const before = reads.count
            const outcome = yield* b(credit(5))
            expect(balanceAfter(outcome)).toBe(35)
            expect(outcome._tag === "Applied" && outcome.events.map((e) => e.version)).toStrictEqual([4])
            expect(reads.count).toBe(before + 1)
            // The state the retry read and committed is kept: the next command reads nothing.
            expect(balanceAfter(yield* b(debit(35)))).toBe(0)
            expect(reads.count).toBe(before + 1)
          })
      )
    })
  })
