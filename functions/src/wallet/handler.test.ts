import { Effect, Either, Option, Schema } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { EntityStates, UniqueIndex, Writes, type Versioned, type WriteOp } from "../ports"
import type { Envelope } from "../protocol"
import type { WalletCommand } from "./commands"
import { walletHandler } from "./handler"
import { WalletState } from "./state"

const envelope: Envelope = { commandId: "c-1", at: "2026-01-01T00:00:00.000Z", freshId: "fresh" }

/** EntityStates over a fixed map of snapshots, remembering which streams were asked for. */
const statesOf = (snapshots: Record<string, Versioned<WalletState>>, asked: Array<string> = []) =>
  EntityStates.of({
    get: (stream) => Effect.sync(() => (asked.push(stream), Option.fromNullable(snapshots[stream] as Versioned<never> | undefined)))
  })

// A wallet's decision reads no unique index: using one is a defect.
const noIndex = UniqueIndex.of({ get: () => Effect.dieMessage("a wallet lookup reads no unique index") })

/** Runs lookup → operate → write the way an executor does, and returns the recorded writes. */
const decideAndWrite = (command: WalletCommand, snapshots: Record<string, Versioned<WalletState>>) =>
  Effect.gen(function* () {
    const looked = yield* walletHandler.lookup(command, envelope)
    const decided = walletHandler.operate(command, looked, envelope)
    if (Either.isLeft(decided)) return yield* Effect.fail(decided.left)
    const ops: Array<WriteOp> = []
    yield* walletHandler
      .write(command, looked, decided.right)
      .pipe(Effect.provideService(Writes, { record: (op) => Effect.sync(() => void ops.push(op)) }))
    return ops
  }).pipe(Effect.provideService(EntityStates, statesOf(snapshots)), Effect.provideService(UniqueIndex, noIndex))

describe("wallet lookup and write", () => {
  it.effect("given a credit, when looking up, then the wallet's stream is read with the WalletState schema", () =>
    Effect.gen(function* () {
      const asked: Array<string> = []
      const snapshot = { version: 3, state: { walletId: "w", owner: "Ann", balance: 7, outgoing: 0 } }
      const looked = yield* walletHandler
        .lookup({ _tag: "Credit", walletId: "w", amount: 1 }, envelope)
        .pipe(Effect.provideService(EntityStates, statesOf({ "wallet-w": snapshot }, asked)), Effect.provideService(UniqueIndex, noIndex))
      expect(asked).toEqual(["wallet-w"])
      expect(looked).toStrictEqual(Option.some(snapshot))
    })
  )

  it.effect("given no wallet, when opening it, then one event is appended at version 0 and the state saved at version 1", () =>
    Effect.gen(function* () {
      const ops = yield* decideAndWrite({ _tag: "OpenWallet", walletId: "w", owner: "Ann" }, {})
      expect(ops).toStrictEqual([
        { _tag: "Append", stream: "wallet-w", expectedVersion: 0, events: [{ _tag: "WalletOpened", walletId: "w", owner: "Ann" }] },
        {
          _tag: "SaveState",
          stream: "wallet-w",
          version: 1,
          schema: WalletState,
          state: { walletId: "w", owner: "Ann", balance: 0, outgoing: 0 }
        }
      ])
    })
  )

  it.effect("given a wallet at version 4 with 100, when debiting 40, then the append expects version 4 and the state at 5 holds 60", () =>
    Effect.gen(function* () {
      const ops = yield* decideAndWrite(
        { _tag: "Debit", walletId: "w", amount: 40 },
        { "wallet-w": { version: 4, state: { walletId: "w", owner: "Ann", balance: 100, outgoing: 0 } } }
      )
      expect(ops).toStrictEqual([
        {
          _tag: "Append",
          stream: "wallet-w",
          expectedVersion: 4,
          events: [{ _tag: "WalletDebited", walletId: "w", amount: 40, balanceAfter: 60 }]
        },
        {
          _tag: "SaveState",
          stream: "wallet-w",
          version: 5,
          schema: WalletState,
          state: { walletId: "w", owner: "Ann", balance: 60, outgoing: 0 }
        }
      ])
    })
  )

  it("given wallet commands, when asking their entity, then it is the wallet id", () => {
    expect(walletHandler.entity({ _tag: "Debit", walletId: "w-9", amount: 1 })).toBe("w-9")
    expect(walletHandler.entity({ _tag: "OpenWallet", walletId: "w-9", owner: "Ann" })).toBe("w-9")
  })

  it("given a command with an untrimmed owner, when decoded by the handler's schema, then the owner is trimmed", () => {
    expect(Schema.decodeUnknownSync(walletHandler.command)({ _tag: "OpenWallet", walletId: "w", owner: "  Ann " })).toStrictEqual({
      _tag: "OpenWallet",
      walletId: "w",
      owner: "Ann"
    })
  })
})
