import { View, type Projector, type StoredEvent } from "../protocol"
import type { WalletEvent } from "./events"

/** Document view: one wallet by id, with its balance and version. */
export const walletsView = "wallets"
/** Collection view: a wallet's credits and debits, ordered by version. */
export const transactionsView = "wallet-transactions"

export const balanceProjector: Projector<WalletEvent> = {
  name: "wallet-balance",
  reads: "wallet-events",
  project: ({ event, version }) => {
    switch (event._tag) {
      case "WalletOpened":
        return [View.put(walletsView, event.walletId, { id: event.walletId, owner: event.owner, balance: 0, version })]
      case "TransferDeclined":
        // On the transfer's stream: no wallet changed.
        return []
      case "TransferCompleted":
        return [View.patch(walletsView, event.walletId, { version })]
      default:
        return [View.patch(walletsView, event.walletId, { balance: event.balanceAfter, version })]
    }
  }
}

/** A credit or a debit of the wallet, naming the transfer it is a step of, if any. */
const transaction = (
  stored: StoredEvent<WalletEvent>,
  kind: "CREDIT" | "DEBIT",
  e: { readonly walletId: string; readonly amount: number; readonly balanceAfter: number; readonly transferId?: string }
) => [
  View.add(transactionsView, e.walletId, stored.version, {
    id: stored.id,
    kind,
    amount: e.amount,
    balanceAfter: e.balanceAfter,
    commandId: stored.commandId,
    at: stored.at,
    transferId: e.transferId ?? null
  })
]

export const transactionsProjector: Projector<WalletEvent> = {
  name: "wallet-transactions",
  reads: "wallet-events",
  project: (stored) => {
    const { event } = stored
    switch (event._tag) {
      case "WalletCredited":
      case "TransferReceived":
      case "TransferRefunded":
        return transaction(stored, "CREDIT", event)
      case "WalletDebited":
      case "TransferSent":
        return transaction(stored, "DEBIT", event)
      case "WalletOpened":
      case "TransferDeclined":
      case "TransferCompleted":
        return []
    }
  }
}
