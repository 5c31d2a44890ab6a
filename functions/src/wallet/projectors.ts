import { View, type Projector, type StoredEvent } from "../protocol"
import type { WalletCredited, WalletDebited, WalletEvent } from "./events"

/** Document view: one wallet by id, with its balance and version. */
export const walletsView = "wallets"
/** Collection view: a wallet's credits and debits, ordered by version. */
export const transactionsView = "wallet-transactions"

export const balanceProjector: Projector<WalletEvent> = {
  name: "wallet-balance",
  reads: "wallet-events",
  project: ({ event, version }) =>
    event._tag === "WalletOpened"
      ? [View.put(walletsView, event.walletId, { id: event.walletId, owner: event.owner, balance: 0, version })]
      : [View.patch(walletsView, event.walletId, { balance: event.balanceAfter, version })]
}

const transaction = (stored: StoredEvent<WalletEvent>, kind: "CREDIT" | "DEBIT", e: WalletCredited | WalletDebited) => [
  View.add(transactionsView, e.walletId, stored.version, {
    id: stored.id,
    kind,
    amount: e.amount,
    balanceAfter: e.balanceAfter,
    commandId: stored.commandId,
    at: stored.at
  })
]

export const transactionsProjector: Projector<WalletEvent> = {
  name: "wallet-transactions",
  reads: "wallet-events",
  project: (stored) => {
    const { event } = stored
    switch (event._tag) {
      case "WalletOpened":
        return []
      case "WalletCredited":
        return transaction(stored, "CREDIT", event)
      case "WalletDebited":
        return transaction(stored, "DEBIT", event)
    }
  }
}
