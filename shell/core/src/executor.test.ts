import { Effect, Either, Fiber, HashMap, Layer, Logger, LogLevel, Option, Schedule, TestClock } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { assertEquals } from "@effect/vitest/utils"
import {
  AlreadyInvited,
  EntityStates,
  InsufficientFunds,
  inviteCustomer,
  inviteHandler,
  PortFailure,
  UniqueIndex,
  wallet,
  walletHandler,
  WalletExists,
  WalletNotFound,
  WalletState,
  type Envelope,
  type Projector,
  type WalletCommand,
  type WalletEvent
} from "@low/functions"
import { MemoryStore } from "./memory/store"
import { IdempotencyConflict, Unavailable, WriteConflict } from "./errors"
import { EventStore } from "./event-store"
import { Executor, type ExecutorOptions } from "./executor"
import { Views } from "./views"

const at = "2026-01-01T00:00:00.000Z"
const envelope = (commandId: string): Envelope => ({ commandId, at, freshId: `fresh-${commandId}` })

/** An executor over one fresh memory store, with `ports` in place of the memory ones it names (for the executor and the test). */
const executor = <P = never>(options: ExecutorOptions = {}, ports?: Layer.Layer<P, never, MemoryStore>) =>
  Executor.layer(options).pipe(Layer.provideMerge(ports ?? Layer.empty), Layer.provideMerge(MemoryStore.layer))

const run = (command: WalletCommand, commandId: string) =>
  Effect.flatMap(Executor, (ex) => ex.run(walletHandler, command, envelope(commandId)))
const open = (commandId = "open") => run({ _tag: "OpenWallet", walletId: "w", owner: "Ann" }, commandId)
const credit = (amount: number, commandId: string) => run({ _tag: "Credit", walletId: "w", amount }, commandId)
const debit = (amount: number, commandId: string) => run({ _tag: "Debit", walletId: "w", amount }, commandId)

/** The wallet's snapshot and how many events the whole log holds. */
const written = Effect.gen(function* () {
  const store = yield* MemoryStore
  const state = yield* store.ports.states.get("wallet-w", WalletState)
  return { state: Option.getOrUndefined(state), events: store.log.length }
})

/** Asserts an Equal-aware failure. */
const expectFailure = <A, E, R>(effect: Effect.Effect<A, E, R>, expected: E) =>
  Effect.map(Effect.flip(effect), (error) => assertEquals(error, expected))

describe("Executor", () => {
  it.effect("given no wallet, when OpenWallet runs, then Applied with the committed event, and the state saved at version 1", () =>
    Effect.gen(function* () {
      const outcome = yield* open("o-1")
      expect(outcome).toStrictEqual({
        _tag: "Applied",
        events: [
          {
            id: "wallet-w@1",
            stream: "wallet-w",
            version: 1,
            event: { _tag: "WalletOpened", walletId: "w", owner: "Ann" },
            commandId: "o-1",
            at,
            position: 1
          }
        ]
      })
      expect(yield* written).toStrictEqual({
        state: { version: 1, state: { walletId: "w", owner: "Ann", balance: 0, outgoing: 0 } },
        events: 1
      })
    }).pipe(Effect.provide(executor()))
  )

  describe("idempotency", () => {
    it.effect("given an accepted credit, when the same command comes again with its commandId, then Duplicate and nothing written", () =>
      Effect.gen(function* () {
        yield* open()
        yield* credit(10, "c-1")
        const before = yield* written
        expect(yield* credit(10, "c-1")).toStrictEqual({ _tag: "Duplicate" })
        expect(yield* written).toStrictEqual(before)
        expect(before.state?.state.balance).toBe(10)
      }).pipe(Effect.provide(executor()))
    )

    it.effect("given an accepted credit, when another command comes with its commandId, then IdempotencyConflict and nothing written", () =>
      Effect.gen(function* () {
        yield* open()
        yield* credit(10, "c-1")
        const before = yield* written
        const conflict = new IdempotencyConflict({ entity: "wallet/w", commandId: "c-1" })
        yield* expectFailure(credit(20, "c-1"), conflict)
        yield* expectFailure(debit(10, "c-1"), conflict)
        expect(yield* written).toStrictEqual(before)
      }).pipe(Effect.provide(executor()))
    )

    it.effect("given an accepted command, when it is retried though it would now be refused, then Duplicate, not the rejection", () =>
      Effect.gen(function* () {
        yield* open("o-1")
        yield* credit(100, "c-1")
        yield* debit(100, "d-1")
        expect(yield* open("o-1")).toStrictEqual({ _tag: "Duplicate" })
        expect(yield* debit(100, "d-1")).toStrictEqual({ _tag: "Duplicate" })
        // Idempotency is decided before the rules: another command under an accepted commandId is a conflict.
        yield* expectFailure(debit(500, "d-1"), new IdempotencyConflict({ entity: "wallet/w", commandId: "d-1" }))
        yield* expectFailure(open("o-2"), new WalletExists({ walletId: "w" }))
      }).pipe(Effect.provide(executor()))
    )

    it.effect("given a refused debit, when retried with its commandId once funds arrived, then Applied: a rejection leaves no trace", () =>
      Effect.gen(function* () {
        yield* expectFailure(credit(50, "c-1"), new WalletNotFound({ walletId: "w" }))
        yield* open()
        const before = yield* written
        yield* expectFailure(debit(50, "d-1"), new InsufficientFunds({ walletId: "w", balance: 0, amount: 50 }))
        expect(yield* written).toStrictEqual(before)
        const store = yield* EventStore
        expect(yield* store.accepted("wallet/w", "d-1")).toStrictEqual(Option.none())

        expect((yield* credit(50, "c-1"))._tag).toBe("Applied")
        expect((yield* debit(50, "d-1"))._tag).toBe("Applied")
        expect((yield* written).state?.state.balance).toBe(0)
      }).pipe(Effect.provide(executor()))
    )

    it.effect("given a commandId accepted on one wallet, when used on another wallet, then it is a new command", () =>
      Effect.gen(function* () {
        const ex = yield* Executor
        yield* ex.run(walletHandler, { _tag: "OpenWallet", walletId: "a", owner: "Ann" }, envelope("same"))
        const other = yield* ex.run(walletHandler, { _tag: "OpenWallet", walletId: "b", owner: "Bob" }, envelope("same"))
        expect(other._tag).toBe("Applied")
      }).pipe(Effect.provide(executor()))
    )
  })

  describe("inline projectors", () => {
    const calls: Array<string> = []
    const otherChannel: Projector<unknown> = { name: "other", reads: "other-events", project: (e) => (calls.push(e.id), []) }
    const inline = executor({ inlineProjectors: [...wallet.projectors, ...inviteCustomer.projectors, otherChannel] })

    it.effect(
      "given inline wallet projectors, when commands run, then the views show them at once, and projectors of other channels are not called",
      () =>
        Effect.gen(function* () {
          yield* open()
          yield* credit(30, "c-1")
          yield* debit(10, "d-1")
          const views = yield* Views
          expect(yield* views.doc("wallets", "w")).toStrictEqual(Option.some({ id: "w", owner: "Ann", balance: 20, version: 3 }))
          const page = yield* views.items("wallet-transactions", "w", { first: 10 })
          expect(page.items.map(({ order, item }) => [order, item["kind"], item["balanceAfter"], item["commandId"]])).toStrictEqual([
            [3, "DEBIT", 20, "d-1"],
            [2, "CREDIT", 30, "c-1"]
          ])
          expect(calls).toStrictEqual([])
        }).pipe(Effect.provide(inline))
    )

    it.effect(
      "given inline customer projectors, when an email is invited twice, then AlreadyInvited names the first customer and the views show it",
      () =>
        Effect.gen(function* () {
          const ex = yield* Executor
          yield* ex.run(inviteHandler, { _tag: "InviteCustomer", email: "ann@example.com" }, envelope("i-1"))
          yield* expectFailure(
            ex.run(inviteHandler, { _tag: "InviteCustomer", email: "ann@example.com" }, envelope("i-2")),
            new AlreadyInvited({ email: "ann@example.com", customerId: "fresh-i-1" })
          )
          const views = yield* Views
          expect(yield* views.doc("customers-by-email", "ann@example.com")).toStrictEqual(
            Option.some({ id: "fresh-i-1", email: "ann@example.com", invited: true, invitedAt: at })
          )
        }).pipe(Effect.provide(inline))
    )
  })

  describe("write conflicts", () => {
    /** The memory event store, failing the next `failures` commits with a WriteConflict after `meanwhile` ran. */
    const conflicting = (
      meanwhile: (store: MemoryStore["Type"], commit: Parameters<EventStore["Type"]["commit"]>[0]) => void = () => {}
    ) => {
      const control = { failures: 0, commits: 0 }
      const layer = Layer.effect(
        EventStore,
        Effect.map(MemoryStore, (store) =>
          EventStore.of({
            accepted: store.ports.events.accepted,
            commit: (commit) =>
              Effect.suspend(() => {
                control.commits++
                if (control.failures === 0) return store.ports.events.commit(commit)
                control.failures--
                meanwhile(store, commit)
                return Effect.fail(new WriteConflict({ reason: "wallet-w moved" }))
              })
          })
        )
      )
      return { control, layer }
    }
    const everySecond = Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(3)))

    it.effect(
      "given a store that reports WriteConflict twice, when a debit runs, then it is tried again on the schedule and applied once",
      () => {
        const { control, layer } = conflicting()
        return Effect.gen(function* () {
          yield* open()
          yield* credit(5, "c-1")
          control.failures = 2
          control.commits = 0
          const running = yield* Effect.fork(debit(5, "d-1"))
          yield* TestClock.adjust("999 millis")
          expect(control.commits).toBe(1)
          expect(yield* Fiber.poll(running)).toStrictEqual(Option.none())
          yield* TestClock.adjust("1 millis")
          expect(control.commits).toBe(2)
          yield* TestClock.adjust("1 second")
          expect((yield* Fiber.join(running))._tag).toBe("Applied")
          expect(control.commits).toBe(3)
          expect((yield* written).state).toStrictEqual({ version: 3, state: { walletId: "w", owner: "Ann", balance: 0, outgoing: 0 } })
        }).pipe(Effect.provide(executor({ conflictRetries: everySecond }, layer)))
      }
    )

    it.effect(
      "given a store that always reports WriteConflict, when the schedule is exhausted, then Unavailable and nothing written",
      () => {
        const { control, layer } = conflicting()
        return Effect.gen(function* () {
          yield* open()
          const before = yield* written
          control.failures = Infinity
          control.commits = 0
          const running = yield* Effect.fork(credit(5, "c-1"))
          yield* TestClock.adjust("3 seconds")
          yield* expectFailure(Fiber.join(running), new Unavailable({ dependency: "event store", cause: "wallet-w moved" }))
          expect(control.commits).toBe(4)
          expect(yield* written).toStrictEqual(before)
        }).pipe(Effect.provide(executor({ conflictRetries: everySecond }, layer)))
      }
    )

    it.effect(
      "given the default schedule, when conflicts persist, then 40 retries within a few seconds of the clock and then Unavailable",
      () => {
        const { control, layer } = conflicting()
        return Effect.gen(function* () {
          yield* open()
          control.failures = Infinity
          control.commits = 0
          const running = yield* Effect.fork(credit(5, "c-1"))
          yield* TestClock.adjust("5 seconds")
          expect((yield* Effect.flip(Fiber.join(running)))._tag).toBe("Unavailable")
          expect(control.commits).toBe(41)
        }).pipe(Effect.provide(executor({}, layer)))
      }
    )

    it.effect("given the default schedule, when a few conflicts pass, then the command is applied", () => {
      const { control, layer } = conflicting()
      return Effect.gen(function* () {
        yield* open()
        control.failures = 5
        const running = yield* Effect.fork(credit(5, "c-1"))
        yield* TestClock.adjust("1 second")
        expect((yield* Fiber.join(running))._tag).toBe("Applied")
      }).pipe(Effect.provide(executor({}, layer)))
    })

    it.effect("given the same command committed meanwhile elsewhere, when the commit conflicts, then Duplicate without a retry", () => {
      const { control, layer } = conflicting((store, commit) => Effect.runSync(store.ports.events.commit(commit)))
      return Effect.gen(function* () {
        yield* open()
        control.failures = 1
        control.commits = 0
        expect(yield* credit(5, "c-1")).toStrictEqual({ _tag: "Duplicate" })
        expect(control.commits).toBe(1)
        expect((yield* written).state?.state.balance).toBe(5)
      }).pipe(Effect.provide(executor({ conflictRetries: everySecond }, layer)))
    })

    it.effect(
      "given another debit committed meanwhile elsewhere, when the retry looks up again, then it decides on the new balance",
      () => {
        const elsewhere: WalletEvent = { _tag: "WalletDebited", walletId: "w", amount: 80, balanceAfter: 20 }
        const { control, layer } = conflicting((store) =>
          Effect.runSync(
            store.ports.events.commit({
              entity: "wallet/w",
              commandId: "elsewhere",
              fingerprint: "elsewhere",
              at,
              project: () => [],
              ops: [
                { _tag: "Append", stream: "wallet-w", expectedVersion: 2, events: [elsewhere] },
                {
                  _tag: "SaveState",
                  stream: "wallet-w",
                  version: 3,
                  schema: WalletState,
                  state: { walletId: "w", owner: "Ann", balance: 20, outgoing: 0 }
                }
              ]
            })
          )
        )
        return Effect.gen(function* () {
          yield* open()
          yield* credit(100, "c-1")
          control.failures = 1
          control.commits = 0
          yield* expectFailure(debit(50, "d-1"), new InsufficientFunds({ walletId: "w", balance: 20, amount: 50 }))
        }).pipe(Effect.provide(executor({ conflictRetries: Schedule.recurs(3) }, layer)))
      }
    )
  })

  describe("infrastructure failures", () => {
    const down = new PortFailure({ dependency: "postgres", cause: "connection refused" })
    const unavailable = new Unavailable({ dependency: "postgres", cause: "connection refused" })

    it.effect("given entity states that fail, when a command runs, then Unavailable naming the dependency, without retries", () => {
      let lookups = 0
      const states = Layer.succeed(EntityStates, EntityStates.of({ get: () => Effect.suspend(() => (lookups++, Effect.fail(down))) }))
      return Effect.gen(function* () {
        yield* expectFailure(open(), unavailable)
        expect(lookups).toBe(1)
      }).pipe(Effect.provide(executor({ conflictRetries: Schedule.recurs(3) }, states)))
    })

    it.effect("given a unique index that fails, when an invitation runs, then Unavailable", () =>
      Effect.gen(function* () {
        const ex = yield* Executor
        yield* expectFailure(ex.run(inviteHandler, { _tag: "InviteCustomer", email: "a@b.c" }, envelope("i-1")), unavailable)
      }).pipe(Effect.provide(executor({}, Layer.succeed(UniqueIndex, UniqueIndex.of({ get: () => Effect.fail(down) })))))
    )

    it.effect("given an event store whose commit fails, when a command runs, then Unavailable, without retries", () => {
      let commits = 0
      const events = Layer.effect(
        EventStore,
        Effect.map(MemoryStore, (store) =>
          EventStore.of({
            accepted: store.ports.events.accepted,
            commit: () => Effect.suspend(() => (commits++, Effect.fail(down)))
          })
        )
      )
      return Effect.gen(function* () {
        yield* expectFailure(open(), unavailable)
        expect(commits).toBe(1)
      }).pipe(Effect.provide(executor({ conflictRetries: Schedule.recurs(3) }, events)))
    })

    it.effect(
      "given an event store whose accepted fails, when a command is refused, then Unavailable: the verdict waits for idempotency",
      () => {
        const events = Layer.effect(
          EventStore,
          Effect.map(MemoryStore, (store) =>
            EventStore.of({
              commit: store.ports.events.commit,
              accepted: () => Effect.fail(down)
            })
          )
        )
        return Effect.gen(function* () {
          yield* open()
          yield* expectFailure(debit(1, "d-1"), unavailable)
        }).pipe(Effect.provide(executor({}, events)))
      }
    )
  })

  describe("concurrency", () => {
    it.effect("given a balance of 500, when 1000 debits of 1 run at once, then exactly 500 are applied and the balance ends at 0", () =>
      Effect.gen(function* () {
        yield* open()
        yield* credit(500, "c-1")
        const results = yield* Effect.all(
          Array.from({ length: 1000 }, (_, i) => Effect.either(debit(1, `d-${i}`))),
          { concurrency: "unbounded" }
        )
        expect(results.filter(Either.isRight)).toHaveLength(500)
        const refused = results.filter(Either.isLeft).map((r) => r.left)
        expect(refused).toHaveLength(500)
        // Each refusal saw an empty wallet: the debits were decided one after another.
        for (const r of refused) assertEquals(r, new InsufficientFunds({ walletId: "w", balance: 0, amount: 1 }))
        expect(yield* written).toStrictEqual({
          state: { version: 502, state: { walletId: "w", owner: "Ann", balance: 0, outgoing: 0 } },
          events: 502
        })
      }).pipe(Effect.provide(executor()))
    )

    it.effect(
      "given lookups that let other fibers run before the commit, when 100 debits of one wallet run at once, then each commits once (the lock)",
      () => {
        let commits = 0
        const ports = Layer.effect(
          EventStore,
          Effect.map(MemoryStore, (store) =>
            EventStore.of({
              accepted: store.ports.events.accepted,
              commit: (commit) => Effect.suspend(() => (commits++, store.ports.events.commit(commit)))
            })
          )
        ).pipe(
          Layer.merge(
            Layer.effect(
              EntityStates,
              Effect.map(MemoryStore, (store) =>
                EntityStates.of({
                  get: (stream, schema) => Effect.zipLeft(store.ports.states.get(stream, schema), Effect.yieldNow())
                })
              )
            )
          )
        )
        return Effect.gen(function* () {
          yield* open()
          yield* credit(100, "c-1")
          commits = 0
          const results = yield* Effect.all(
            Array.from({ length: 100 }, (_, i) => Effect.either(debit(1, `d-${i}`))),
            { concurrency: "unbounded" }
          )
          expect(results.filter(Either.isRight)).toHaveLength(100)
          expect(commits).toBe(100)
        }).pipe(Effect.provide(executor({ conflictRetries: Schedule.recurs(10_000) }, ports)))
      }
    )

    it.effect(
      "given writes that let other fibers run between their records, when 100 wallets are opened and credited at once, then each commit holds only its own command's writes",
      () => {
        // Each command's write starts recording, then lets the other commands start theirs before it records anything.
        const interleaved: typeof walletHandler = {
          ...walletHandler,
          write: (command, looked, events) => Effect.zipRight(Effect.yieldNow(), walletHandler.write(command, looked, events))
        }
        return Effect.gen(function* () {
          const ex = yield* Executor
          const ids = Array.from({ length: 100 }, (_, i) => `w${i}`)
          const opened = yield* Effect.forEach(
            ids,
            (walletId) => ex.run(interleaved, { _tag: "OpenWallet", walletId, owner: walletId }, envelope(`o-${walletId}`)),
            { concurrency: "unbounded" }
          )
          const credited = yield* Effect.forEach(
            ids,
            (walletId, i) => ex.run(interleaved, { _tag: "Credit", walletId, amount: i + 1 }, envelope(`c-${walletId}`)),
            { concurrency: "unbounded" }
          )
          // Every command committed exactly its own event.
          for (const [i, walletId] of ids.entries()) {
            for (const [outcome, version] of [
              [opened[i]!, 1],
              [credited[i]!, 2]
            ] as const)
              expect(outcome._tag === "Applied" ? outcome.events.map((e) => [e.stream, e.version]) : outcome).toStrictEqual([
                [`wallet-${walletId}`, version]
              ])
          }
          const store = yield* MemoryStore
          for (const [i, walletId] of ids.entries()) {
            const state = yield* store.ports.states.get(`wallet-${walletId}`, WalletState)
            expect(state).toStrictEqual(Option.some({ version: 2, state: { walletId, owner: walletId, balance: i + 1, outgoing: 0 } }))
          }
          expect(store.log.filter((e) => e.stream === "wallet-w7").map((e) => e.event._tag)).toStrictEqual([
            "WalletOpened",
            "WalletCredited"
          ])
          expect(store.log).toHaveLength(200)
        }).pipe(Effect.provide(executor()))
      }
    )

    it.effect(
      "given a write that records from a fiber of its own, when the command runs, then it dies saying so, and nothing is written",
      () => {
        const forking: typeof walletHandler = {
          ...walletHandler,
          write: (command, looked, events) => Effect.flatMap(Effect.fork(walletHandler.write(command, looked, events)), Fiber.join)
        }
        return Effect.gen(function* () {
          const ex = yield* Executor
          const exit = yield* Effect.exit(ex.run(forking, { _tag: "OpenWallet", walletId: "w", owner: "Ann" }, envelope("o")))
          expect(String(exit)).toContain("Writes.record must be called by the fiber that runs a command's write")
          expect(yield* written).toStrictEqual({ state: undefined, events: 0 })
        }).pipe(Effect.provide(executor()))
      }
    )

    it.effect("given 50 invitations of one email at once, when they run, then exactly one customer is invited and the others name it", () =>
      Effect.gen(function* () {
        const ex = yield* Executor
        const results = yield* Effect.all(
          Array.from({ length: 50 }, (_, i) =>
            Effect.either(ex.run(inviteHandler, { _tag: "InviteCustomer", email: "ann@example.com" }, envelope(`i-${i}`)))
          ),
          { concurrency: "unbounded" }
        )
        const winner = results.findIndex(Either.isRight)
        expect(results.filter(Either.isRight)).toHaveLength(1)
        for (const r of results.filter(Either.isLeft)) {
          assertEquals(r.left, new AlreadyInvited({ email: "ann@example.com", customerId: `fresh-i-${winner}` }))
        }
        const unique = yield* UniqueIndex
        expect(yield* unique.get("customer-email", "ann@example.com")).toStrictEqual(Option.some(`fresh-i-${winner}`))
      }).pipe(Effect.provide(executor()))
    )
  })
  describe("logging", () => {
    /** Runs `effect` at `level`, and the log lines it wrote with their annotations. */
    const logsOf = <A, E, R>(effect: Effect.Effect<A, E, R>, level: LogLevel.LogLevel) => {
      const lines: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
      const capture = Logger.make(
        ({ message, annotations }) => void lines.push({ message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
      )
      return Effect.as(effect.pipe(Logger.withMinimumLogLevel(level), Effect.provide(Logger.replace(Logger.defaultLogger, capture))), lines)
    }

    it.effect("given the Debug level, when commands run, then one line each naming the handler, the commandId and the outcome", () =>
      Effect.gen(function* () {
        const lines = yield* logsOf(Effect.zipRight(open("o-1"), open("o-1")), LogLevel.Debug)
        expect(lines).toStrictEqual([
          { message: ["command"], annotations: { handler: "wallet", commandId: "o-1", outcome: "Applied" } },
          { message: ["command"], annotations: { handler: "wallet", commandId: "o-1", outcome: "Duplicate" } }
        ])
      }).pipe(Effect.provide(executor()))
    )

    it.effect("given the Info level, when a command runs, then no line", () =>
      Effect.gen(function* () {
        expect(yield* logsOf(open("o-1"), LogLevel.Info)).toStrictEqual([])
      }).pipe(Effect.provide(executor()))
    )
  })
})
