import { Either, Option } from "effect"
import { assertEquals } from "@effect/vitest/utils"
import { describe, expect, it } from "vitest"
import { Schema } from "effect"
import type { WalletCommand } from "./commands"
import type { WalletEvent } from "./events"
import { operate, type WalletLookup } from "./handler"
import { InsufficientFunds, WalletNotFound } from "./rejections"
import { evolve, maxBalance, type WalletState } from "./state"
import { SendTransfer } from "./transfers"

const none: WalletLookup = Option.none()
const walletWith = (balance: number, outgoing = 0, walletId = "w"): WalletLookup =>
  Option.some({ version: 2, state: { walletId, owner: "Ann", balance, outgoing } })
const expectAccepted = (result: ReturnType<typeof operate>, ...events: ReadonlyArray<WalletEvent>) =>
  expect(result).toStrictEqual(Either.right(events))

const send = (amount: number): WalletCommand => ({ _tag: "SendTransfer", walletId: "a", transferId: "t1", toWalletId: "b", amount })
const receive = (amount: number): WalletCommand => ({ _tag: "ReceiveTransfer", walletId: "b", transferId: "t1", fromWalletId: "a", amount })

describe("a transfer's steps on one wallet", () => {
  describe("SendTransfer (the source's debit)", () => {
    it("given a source with 100, when sending 30, then TransferSent names the transfer and the destination, balanceAfter 70", () => {
      expectAccepted(operate(send(30), walletWith(100, 0, "a")), {
        _tag: "TransferSent",
        walletId: "a",
        transferId: "t1",
        toWalletId: "b",
        amount: 30,
        balanceAfter: 70
      })
    })

    it("given a source with 20, when sending 30, then InsufficientFunds with the balance and the amount", () => {
      assertEquals(
        operate(send(30), walletWith(20, 0, "a")),
        Either.left(new InsufficientFunds({ walletId: "a", balance: 20, amount: 30 }))
      )
    })

    it("given no source, when sending, then WalletNotFound", () => {
      assertEquals(operate(send(30), none), Either.left(new WalletNotFound({ walletId: "a" })))
    })

    it("given a transfer to the source itself, when decoded, then it is refused as bad input", () => {
      const decoded = Schema.decodeUnknownEither(SendTransfer)({
        _tag: "SendTransfer",
        walletId: "a",
        transferId: "t",
        toWalletId: "a",
        amount: 1
      })
      expect(Either.isLeft(decoded)).toBe(true)
    })

    it("given a sent transfer, when folded, then the amount leaves the balance and is counted as outgoing", () => {
      const sent: WalletEvent = { _tag: "TransferSent", walletId: "a", transferId: "t1", toWalletId: "b", amount: 30, balanceAfter: 70 }
      expect(evolve({ walletId: "a", owner: "Ann", balance: 100, outgoing: 5 }, sent)).toStrictEqual<WalletState>({
        walletId: "a",
        owner: "Ann",
        balance: 70,
        outgoing: 35
      })
    })
  })

  describe("ReceiveTransfer (the destination's credit)", () => {
    it("given a destination with 5, when receiving 30, then TransferReceived with balanceAfter 35", () => {
      expectAccepted(operate(receive(30), walletWith(5, 0, "b")), {
        _tag: "TransferReceived",
        walletId: "b",
        transferId: "t1",
        fromWalletId: "a",
        amount: 30,
        balanceAfter: 35
      })
    })

    it("given no destination, when receiving, then TransferDeclined with WALLET_NOT_FOUND (a fact, not a rejection)", () => {
      expectAccepted(operate(receive(30), none), {
        _tag: "TransferDeclined",
        walletId: "b",
        transferId: "t1",
        fromWalletId: "a",
        amount: 30,
        reason: "WALLET_NOT_FOUND"
      })
    })

    it("given a destination whose balance and outgoing transfers leave less room than the amount, when receiving, then declined with BALANCE_LIMIT", () => {
      expectAccepted(operate(receive(30), walletWith(maxBalance - 40, 20, "b")), {
        _tag: "TransferDeclined",
        walletId: "b",
        transferId: "t1",
        fromWalletId: "a",
        amount: 30,
        reason: "BALANCE_LIMIT"
      })
    })

    it("given a destination with room for exactly the amount, when receiving, then it is credited to the limit", () => {
      const decided = operate(receive(30), walletWith(maxBalance - 30, 0, "b"))
      expect(Either.getOrThrow(decided)[0]).toMatchObject({ _tag: "TransferReceived", balanceAfter: maxBalance })
    })
  })

  describe("the source's last step", () => {
    it("given a source with 30 outgoing, when completing the transfer, then TransferCompleted names the credit, and folding frees the 30", () => {
      const completed = operate(
        { _tag: "CompleteTransfer", walletId: "a", transferId: "t1", toWalletId: "b", amount: 30, credited: 4 },
        walletWith(70, 30, "a")
      )
      expectAccepted(completed, { _tag: "TransferCompleted", walletId: "a", transferId: "t1", toWalletId: "b", amount: 30, credited: 4 })
      expect(evolve({ walletId: "a", owner: "Ann", balance: 70, outgoing: 30 }, Either.getOrThrow(completed)[0]!)).toMatchObject({
        balance: 70,
        outgoing: 0
      })
    })

    it("given a source at the limit with 30 outgoing, when refunding 30, then the money comes back whatever was credited meanwhile", () => {
      const refunded = operate(
        { _tag: "RefundTransfer", walletId: "a", transferId: "t1", toWalletId: "b", amount: 30, reason: "BALANCE_LIMIT" },
        walletWith(maxBalance - 30, 30, "a")
      )
      expectAccepted(refunded, {
        _tag: "TransferRefunded",
        walletId: "a",
        transferId: "t1",
        toWalletId: "b",
        amount: 30,
        balanceAfter: maxBalance,
        reason: "BALANCE_LIMIT"
      })
    })

    it("given a source with 30 outgoing, when crediting more than the room the refund keeps, then BalanceLimit", () => {
      expect(Either.isLeft(operate({ _tag: "Credit", walletId: "a", amount: 31 }, walletWith(maxBalance - 60, 30, "a")))).toBe(true)
      expect(Either.isRight(operate({ _tag: "Credit", walletId: "a", amount: 30 }, walletWith(maxBalance - 60, 30, "a")))).toBe(true)
    })
  })
})
