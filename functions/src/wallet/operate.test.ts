import { Either, Equal, Option } from "effect"
import { assertEquals, assertFalse } from "@effect/vitest/utils"
import { describe, expect, it } from "vitest"
import type { WalletCommand } from "./commands"
import type { WalletEvent } from "./events"
import { operate, type WalletLookup } from "./handler"
import { BalanceLimit, InsufficientFunds, WalletExists, WalletNotFound } from "./rejections"
import { evolve, fold, maxBalance, type WalletState } from "./state"

const none: WalletLookup = Option.none()
/** A wallet "w" that has folded `version` events and holds `balance`. */
const walletWith = (balance: number, version = 2): WalletLookup =>
  Option.some({ version, state: { walletId: "w", owner: "Ann", balance, outgoing: 0 } })

const open = (walletId = "w", owner = "Ann"): WalletCommand => ({ _tag: "OpenWallet", walletId, owner })
const credit = (amount: number, walletId = "w"): WalletCommand => ({ _tag: "Credit", walletId, amount })
const debit = (amount: number, walletId = "w"): WalletCommand => ({ _tag: "Debit", walletId, amount })

// Events are plain data, compared structurally; rejections are tagged errors, compared with Equal so every field counts.
const expectAccepted = (result: ReturnType<typeof operate>, ...events: ReadonlyArray<WalletEvent>) =>
  expect(result).toStrictEqual(Either.right(events))

describe("wallet operate", () => {
  describe("OpenWallet", () => {
    it("given no wallet, when opening it, then WalletOpened with its id and owner", () => {
      expectAccepted(operate(open("w", "Ann"), none), { _tag: "WalletOpened", walletId: "w", owner: "Ann" })
    })

    it("given an open wallet, when opening it again, then WalletExists with its id", () => {
      assertEquals(operate(open("w"), walletWith(0, 1)), Either.left(new WalletExists({ walletId: "w" })))
    })
  })

  describe("Credit", () => {
    it("given no wallet, when crediting 10, then WalletNotFound with its id", () => {
      assertEquals(operate(credit(10), none), Either.left(new WalletNotFound({ walletId: "w" })))
    })

    it("given a wallet with 100, when crediting 50, then WalletCredited of 50 with balanceAfter 150", () => {
      expectAccepted(operate(credit(50), walletWith(100)), { _tag: "WalletCredited", walletId: "w", amount: 50, balanceAfter: 150 })
    })

    it("given a wallet 10 below the limit, when crediting 10, then WalletCredited with balanceAfter 2147483647", () => {
      expectAccepted(operate(credit(10), walletWith(maxBalance - 10)), {
        _tag: "WalletCredited",
        walletId: "w",
        amount: 10,
        balanceAfter: 2_147_483_647
      })
    })

    it("given a wallet 10 below the limit, when crediting 11, then BalanceLimit with its balance and the amount", () => {
      assertEquals(
        operate(credit(11), walletWith(maxBalance - 10)),
        Either.left(new BalanceLimit({ walletId: "w", balance: 2_147_483_637, amount: 11, outgoing: 0 }))
      )
    })

    it("given a wallet at the limit, when crediting 1, then BalanceLimit", () => {
      assertEquals(
        operate(credit(1), walletWith(maxBalance)),
        Either.left(new BalanceLimit({ walletId: "w", balance: maxBalance, amount: 1, outgoing: 0 }))
      )
    })
  })

  describe("Debit", () => {
    it("given no wallet, when debiting 10, then WalletNotFound with its id", () => {
      assertEquals(operate(debit(10), none), Either.left(new WalletNotFound({ walletId: "w" })))
    })

    it("given a wallet with 100, when debiting 30, then WalletDebited of 30 with balanceAfter 70", () => {
      expectAccepted(operate(debit(30), walletWith(100)), { _tag: "WalletDebited", walletId: "w", amount: 30, balanceAfter: 70 })
    })

    it("given a wallet with 100, when debiting 100, then WalletDebited with balanceAfter 0", () => {
      expectAccepted(operate(debit(100), walletWith(100)), { _tag: "WalletDebited", walletId: "w", amount: 100, balanceAfter: 0 })
    })

    it("given a wallet with 100, when debiting 101, then InsufficientFunds with balance 100 and amount 101", () => {
      assertEquals(operate(debit(101), walletWith(100)), Either.left(new InsufficientFunds({ walletId: "w", balance: 100, amount: 101 })))
    })

    it("given an empty wallet, when debiting 1, then InsufficientFunds with balance 0 and amount 1", () => {
      assertEquals(operate(debit(1), walletWith(0)), Either.left(new InsufficientFunds({ walletId: "w", balance: 0, amount: 1 })))
    })
  })

  describe("the comparison these tests rely on", () => {
    it("given two InsufficientFunds that differ in one field, when compared, then they are not equal", () => {
      const refused = Either.left(new InsufficientFunds({ walletId: "w", balance: 100, amount: 101 }))
      assertFalse(Equal.equals(refused, Either.left(new InsufficientFunds({ walletId: "w", balance: 100, amount: 102 }))))
      assertFalse(Equal.equals(refused, Either.left(new InsufficientFunds({ walletId: "v", balance: 100, amount: 101 }))))
      assertFalse(Equal.equals(refused, Either.left(new BalanceLimit({ walletId: "w", balance: 100, amount: 101, outgoing: 0 }))))
      expect(() => assertEquals(refused, Either.left(new InsufficientFunds({ walletId: "w", balance: 99, amount: 101 })))).toThrow()
    })
  })
})

describe("wallet evolve and fold", () => {
  const opened: WalletEvent = { _tag: "WalletOpened", walletId: "w", owner: "Ann" }
  const credited = (amount: number, balanceAfter: number): WalletEvent => ({ _tag: "WalletCredited", walletId: "w", amount, balanceAfter })
  const debited = (amount: number, balanceAfter: number): WalletEvent => ({ _tag: "WalletDebited", walletId: "w", amount, balanceAfter })

  it("given no state, when WalletOpened, then the wallet with its owner and balance 0", () => {
    expect(evolve(undefined, opened)).toStrictEqual<WalletState>({ walletId: "w", owner: "Ann", balance: 0, outgoing: 0 })
  })

  it("given a balance of 100, when WalletCredited of 50, then balance 150 and the owner kept", () => {
    expect(evolve({ walletId: "w", owner: "Ann", balance: 100, outgoing: 0 }, credited(50, 150))).toStrictEqual({
      walletId: "w",
      owner: "Ann",
      balance: 150,
      outgoing: 0
    })
  })

  it("given a balance of 100, when WalletDebited of 30, then balance 70", () => {
    expect(evolve({ walletId: "w", owner: "Ann", balance: 100, outgoing: 0 }, debited(30, 70))).toStrictEqual({
      walletId: "w",
      owner: "Ann",
      balance: 70,
      outgoing: 0
    })
  })

  it("given no events, when folding, then the state is unchanged", () => {
    expect(fold(undefined, [])).toBeUndefined()
    const state = { walletId: "w", owner: "Ann", balance: 5, outgoing: 0 }
    expect(fold(state, [])).toBe(state)
  })

  it("given a wallet's whole history, when folding it from nothing, then the balance is credits minus debits", () => {
    expect(fold(undefined, [opened, credited(100, 100), debited(30, 70), credited(5, 75)])).toStrictEqual({
      walletId: "w",
      owner: "Ann",
      balance: 75,
      outgoing: 0
    })
  })

  it("given a snapshot, when folding the events after it, then the same state as folding the whole history", () => {
    const history = [opened, credited(100, 100), debited(30, 70), credited(5, 75), debited(75, 0)]
    expect(fold(fold(undefined, history.slice(0, 2)), history.slice(2))).toStrictEqual(fold(undefined, history))
  })

  it("given the events operate decided, when folding them into the looked-up state, then the balance is the events' balanceAfter", () => {
    const decided = operate(debit(40), walletWith(100))
    if (Either.isLeft(decided)) throw new Error("debit refused")
    expect(fold({ walletId: "w", owner: "Ann", balance: 100, outgoing: 0 }, decided.right)?.balance).toBe(60)
  })
})
