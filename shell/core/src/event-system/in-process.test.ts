import { Effect, Either, Fiber, Layer, Option, Schema, TestClock } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { assertEquals } from "@effect/vitest/utils"
import {
  AlreadyInvited,
  InsufficientFunds,
  InviteCustomer,
  inviteCustomer,
  inviteHandler,
  wallet,
  walletHandler,
  WalletState,
  type Envelope,
  type Projector,
  type WalletCommand
} from "@low/functions"
import { MemoryStore } from "../memory/store"
import { CommandBus } from "../command-bus"
import { Timeout } from "../errors"
import { Executor } from "../executor"
import { Views } from "../views"
import { InProcessEventSystem, type InProcessOptions } from "./in-process"

const at = "2026-01-01T00:00:00.000Z"
const envelope = (commandId: string): Envelope => ({ commandId, at, freshId: `fresh-${commandId}` })

/** The in-process deployment over a fresh memory store; every projector runs behind the bus, none inline. */
const system = (options: Partial<InProcessOptions> = {}) =>
  InProcessEventSystem({
    handlers: [walletHandler, inviteHandler],
    projectors: [...wallet.projectors, ...inviteCustomer.projectors],
    ...options
  }).pipe(Layer.provideMerge(Executor.layer()), Layer.provideMerge(MemoryStore.layer))

const send = (command: WalletCommand, commandId: string) =>
  Effect.flatMap(CommandBus, (bus) => bus.send(walletHandler, command, envelope(commandId)))
const open = (walletId: string) => send({ _tag: "OpenWallet", walletId, owner: "Ann" }, `open-${walletId}`)
const credit = (walletId: string, amount: number, commandId: string) => send({ _tag: "Credit", walletId, amount }, commandId)
const debit = (walletId: string, amount: number, commandId: string) => send({ _tag: "Debit", walletId, amount }, commandId)

const walletView = (walletId: string) => Effect.flatMap(Views, (views) => views.doc("wallets", walletId))
const history = (walletId: string) =>
  Effect.flatMap(Views, (views) => views.items("wallet-transactions", walletId, { first: 100 })).pipe(
    Effect.map((page) => page.items.map(({ order, item }) => [order, item["kind"], item["amount"], item["balanceAfter"]]))
  )

// On the live clock: nothing here waits on time, and the bus's timeout is a deadline. The timeout test alone
// runs on the TestClock.
describe("in-process event system", () => {
  it.live("given projectors behind the bus, when send returns, then the views already show the change (read-your-writes)", () =>
    Effect.gen(function* () {
      yield* open("w")
      expect(yield* walletView("w")).toStrictEqual(Option.some({ id: "w", owner: "Ann", balance: 0, version: 1 }))
      for (let i = 1; i <= 20; i++) {
        yield* credit("w", i, `c-${i}`)
        const balance = (i * (i + 1)) / 2
        expect(yield* walletView("w")).toStrictEqual(Option.some({ id: "w", owner: "Ann", balance, version: i + 1 }))
        expect((yield* history("w"))[0]).toStrictEqual([i + 1, "CREDIT", i, balance])
      }
    }).pipe(Effect.provide(system()))
  )

  it.live("given many wallets written at once, when each send returns, then its own write is already visible", () =>
    Effect.gen(function* () {
      const wallets = Array.from({ length: 10 }, (_, i) => `w${i}`)
      yield* Effect.forEach(wallets, open, { concurrency: "unbounded" })
      yield* Effect.forEach(
        Array.from({ length: 150 }, (_, i) => i),
        (i) =>
          Effect.gen(function* () {
            const walletId = wallets[i % wallets.length]!
            const outcome = yield* credit(walletId, 1, `c-${i}`)
            if (outcome._tag !== "Applied") throw new Error("credit not applied")
            const { version } = outcome.events[0]!
            const doc = Option.getOrThrow(yield* walletView(walletId))
            expect(doc["version"]).toBeGreaterThanOrEqual(version)
            expect((yield* history(walletId)).map(([order]) => order)).toContain(version)
          }),
        { concurrency: "unbounded" }
      )
      for (const walletId of wallets) expect(Option.getOrThrow(yield* walletView(walletId))["balance"]).toBe(15)
    }).pipe(Effect.provide(system()))
  )

  it.live("given an accepted command, when sent again, then Duplicate and the views show the original write once", () =>
    Effect.gen(function* () {
      yield* open("w")
      yield* credit("w", 10, "c-1")
      expect(yield* credit("w", 10, "c-1")).toStrictEqual({ _tag: "Duplicate" })
      expect(yield* history("w")).toStrictEqual([[2, "CREDIT", 10, 10]])
    }).pipe(Effect.provide(system()))
  )

  it.live("given a debit over the balance, when sent, then the rejection comes back and nothing is projected", () =>
    Effect.gen(function* () {
      yield* open("w")
      const error = yield* Effect.flip(debit("w", 5, "d-1"))
      assertEquals(error, new InsufficientFunds({ walletId: "w", balance: 0, amount: 5 }))
      expect(yield* walletView("w")).toStrictEqual(Option.some({ id: "w", owner: "Ann", balance: 0, version: 1 }))
    }).pipe(Effect.provide(system()))
  )

  it.live("given credits and debits of one wallet sent at once, when handled, then in the order sent", () =>
    Effect.gen(function* () {
      yield* Effect.forEach(["a", "b", "c"], open)
      // Each debit takes what the credit just before it gave: any reordering refuses one.
      const commands = Array.from({ length: 60 }, (_, i) => ({ i, walletId: ["a", "b", "c"][i % 3]!, amount: Math.floor(i / 3) + 1 }))
      const outcomes = yield* Effect.forEach(
        commands.flatMap(({ i, walletId, amount }) => [credit(walletId, amount, `c-${i}`), debit(walletId, amount, `d-${i}`)]),
        Effect.either,
        { concurrency: "unbounded" }
      )
      expect(outcomes.filter(Either.isLeft)).toStrictEqual([])
      const store = yield* MemoryStore
      for (const walletId of ["a", "b", "c"]) {
        const sent = commands.filter((c) => c.walletId === walletId).flatMap(({ i }) => [`c-${i}`, `d-${i}`])
        expect(store.log.filter((e) => e.stream === `wallet-${walletId}` && e.version > 1).map((e) => e.commandId)).toStrictEqual(sent)
      }
    }).pipe(Effect.provide(system({ partitions: 2 })))
  )

  it.effect(
    "given a projector that never catches up, when a command is sent, then Timeout once the timeout passes, though the event is written",
    () => {
      const broken: Projector<unknown> = {
        name: "broken",
        reads: "wallet-events",
        project: () => {
          throw new Error("read model unreachable")
        }
      }
      return Effect.gen(function* () {
        const running = yield* Effect.fork(open("w"))
        yield* TestClock.adjust("999 millis")
        expect(yield* Fiber.poll(running)).toStrictEqual(Option.none())
        yield* TestClock.adjust("1 millis")
        assertEquals(yield* Effect.flip(Fiber.join(running)), new Timeout({ commandId: "open-w" }))
        const store = yield* MemoryStore
        expect(yield* store.ports.states.get("wallet-w", WalletState)).toStrictEqual(
          Option.some({ version: 1, state: { walletId: "w", owner: "Ann", balance: 0, outgoing: 0 } })
        )
      }).pipe(Effect.provide(system({ projectors: [...wallet.projectors, broken], timeout: "1 second" })))
    }
  )

  it.live("given a balance of 500, when 1000 debits of 1 are sent at once, then exactly 500 succeed and the views end at 0", () =>
    Effect.gen(function* () {
      yield* open("w")
      yield* credit("w", 500, "c-1")
      const outcomes = yield* Effect.forEach(
        Array.from({ length: 1000 }, (_, i) => i),
        (i) => Effect.either(debit("w", 1, `d-${i}`)),
        { concurrency: "unbounded" }
      )
      expect(outcomes.filter(Either.isRight)).toHaveLength(500)
      for (const o of outcomes.filter(Either.isLeft)) assertEquals(o.left, new InsufficientFunds({ walletId: "w", balance: 0, amount: 1 }))
      expect(yield* walletView("w")).toStrictEqual(Option.some({ id: "w", owner: "Ann", balance: 0, version: 502 }))
      const views = yield* Views
      const newest = yield* views.items("wallet-transactions", "w", { first: 1 })
      expect(newest.items.map((i) => [i.order, i.item["balanceAfter"]])).toStrictEqual([[502, 0]])
    }).pipe(Effect.provide(system()))
  )

  it.live(
    "given one email in many spellings, when all are invited at once, then one customer is invited, visible by email when send returns",
    () =>
      Effect.gen(function* () {
        const bus = yield* CommandBus
        const spellings = ["ann@example.com", " ANN@example.com", "Ann@Example.Com ", "\tann@EXAMPLE.COM"]
        const outcomes = yield* Effect.forEach(
          spellings
            .flatMap((email) => [email, email])
            .map((email, i) =>
              Effect.either(
                bus.send(inviteHandler, Schema.decodeUnknownSync(InviteCustomer)({ _tag: "InviteCustomer", email }), envelope(`i-${i}`))
              )
            ),
          (send) => send,
          { concurrency: "unbounded" }
        )
        const winner = outcomes.findIndex(Either.isRight)
        expect(outcomes.filter(Either.isRight)).toHaveLength(1)
        for (const o of outcomes.filter(Either.isLeft))
          assertEquals(o.left, new AlreadyInvited({ email: "ann@example.com", customerId: `fresh-i-${winner}` }))
        const views = yield* Views
        expect(Option.map(yield* views.doc("customers-by-email", "ann@example.com"), (d) => d["id"])).toStrictEqual(
          Option.some(`fresh-i-${winner}`)
        )
      }).pipe(Effect.provide(system()))
  )
})
