import { Match } from "effect"
import { View, type Projector, type StoredEvent } from "../protocol"
import type { WalletCredited, WalletDebited, WalletEvent } from "./events"

/** Document view: one wallet by id, with its balance and version. */
export const walletsView = "wallets"
/** Collection view: a wallet's credits and debits, ordered by version. */
export const transactionsView = "wallet-transactions"

const newBalance = ({ walletId, balanceAfter }: WalletCredited | WalletDebited, version: number) => [
  View.patch(walletsView, walletId, { balance: balanceAfter, version })
]

export const balanceProjector: Projector<WalletEvent> = {
  name: "wallet-balance",
  reads: "wallet-events",
  project: ({ event, version }) =>
    Match.valueTags(event, {
      WalletOpened: ({ walletId, owner }) => [View.put(walletsView, walletId, { id: walletId, owner, balance: 0, version })],
      WalletCredited: (e) => newBalance(e, version),
      WalletDebited: (e) => newBalance(e, version)
    })
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
  project: (stored) =>
    Match.valueTags(stored.event, {
      WalletOpened: () => [],
      WalletCredited: (e) => transaction(stored, "CREDIT", e),
      WalletDebited: (e) => transaction(stored, "DEBIT", e)
    })
}
