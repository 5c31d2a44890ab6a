import { describe, expect, it } from "vitest"
import type { StoredEvent } from "../protocol"
import type { WalletEvent } from "../wallet/events"
import { transferProcess } from "./process"

const stored = (event: WalletEvent, stream: string, version: number): StoredEvent<WalletEvent> => ({
  id: `${stream}@${version}`,
  stream,
  version,
  event,
  commandId: "c",
  at: "2026-01-01T00:00:00.000Z"
})

describe("the transfer's process manager", () => {
  it("reads the wallets' events and sends wallet commands", () => {
    expect([transferProcess.reads, transferProcess.writes]).toStrictEqual(["wallet-events", "wallet-commands"])
  })

  it("given the source was debited, when it reacts, then it sends the destination's credit", () => {
    const sent = stored(
      { _tag: "TransferSent", walletId: "a", transferId: "t1", toWalletId: "b", amount: 30, balanceAfter: 70 },
      "wallet-a",
      3
    )
    expect(transferProcess.react(sent)).toStrictEqual([
      { _tag: "ReceiveTransfer", walletId: "b", transferId: "t1", fromWalletId: "a", amount: 30 }
    ])
  })

  it("given the destination was credited at its version 5, when it reacts, then it tells the source, naming that version", () => {
    const received = stored(
      { _tag: "TransferReceived", walletId: "b", transferId: "t1", fromWalletId: "a", amount: 30, balanceAfter: 30 },
      "wallet-b",
      5
    )
    expect(transferProcess.react(received)).toStrictEqual([
      { _tag: "CompleteTransfer", walletId: "a", transferId: "t1", toWalletId: "b", amount: 30, credited: 5 }
    ])
  })

  it("given the destination declined, when it reacts, then it refunds the source with the reason", () => {
    const declined = stored(
      { _tag: "TransferDeclined", walletId: "b", transferId: "t1", fromWalletId: "a", amount: 30, reason: "WALLET_NOT_FOUND" },
      "transfer-t1",
      1
    )
    expect(transferProcess.react(declined)).toStrictEqual([
      { _tag: "RefundTransfer", walletId: "a", transferId: "t1", toWalletId: "b", amount: 30, reason: "WALLET_NOT_FOUND" }
    ])
  })

  it("given the same event delivered twice, when it reacts, then it sends the same commands (the shell makes them one)", () => {
    const sent = stored(
      { _tag: "TransferSent", walletId: "a", transferId: "t1", toWalletId: "b", amount: 30, balanceAfter: 70 },
      "wallet-a",
      3
    )
    expect(transferProcess.react(sent)).toStrictEqual(transferProcess.react(sent))
  })

  it.each<WalletEvent>([
    { _tag: "WalletOpened", walletId: "a", owner: "Ann" },
    { _tag: "WalletCredited", walletId: "a", amount: 1, balanceAfter: 1 },
    { _tag: "WalletDebited", walletId: "a", amount: 1, balanceAfter: 0 },
    { _tag: "TransferCompleted", walletId: "a", transferId: "t1", toWalletId: "b", amount: 1, credited: 2 },
    { _tag: "TransferRefunded", walletId: "a", transferId: "t1", toWalletId: "b", amount: 1, balanceAfter: 1, reason: "BALANCE_LIMIT" }
  ])("given $_tag, when it reacts, then it sends nothing", (event) => {
    expect(transferProcess.react(stored(event, "wallet-a", 2))).toStrictEqual([])
  })
})
