import { Schema } from "effect"
import type { WalletEvent } from "./events"

export const WalletState = Schema.Struct({
  walletId: Schema.String,
  owner: Schema.String,
  balance: Schema.Int,
  /**
   * What transfers took from this wallet and have not ended yet: a refund may bring it back, so credits leave
   * room for it under the limit. (Absent in states saved before transfers: none was on its way.)
   */
  outgoing: Schema.optionalWith(Schema.Int, { default: () => 0 })
})
export type WalletState = typeof WalletState.Type

/** The largest balance a wallet may hold (a signed 32-bit integer, as GraphQL's Int). */
export const maxBalance = 2_147_483_647

export const streamOf = (walletId: string) => `wallet-${walletId}`

/** Folds one event of the wallet's stream into its state; the first event of a stream is always `WalletOpened`. */
export const evolve = (state: WalletState | undefined, event: WalletEvent): WalletState => {
  switch (event._tag) {
    case "WalletOpened":
      return { walletId: event.walletId, owner: event.owner, balance: 0, outgoing: 0 }
    case "WalletCredited":
    case "WalletDebited":
    case "TransferReceived":
      return { ...state!, balance: event.balanceAfter }
    case "TransferSent":
      return { ...state!, balance: event.balanceAfter, outgoing: state!.outgoing + event.amount }
    case "TransferCompleted":
      return { ...state!, outgoing: state!.outgoing - event.amount }
    case "TransferRefunded":
      return { ...state!, balance: event.balanceAfter, outgoing: state!.outgoing - event.amount }
    case "TransferDeclined":
      // Recorded on the transfer's stream, never on a wallet's.
      return state!
  }
}

export const fold = (state: WalletState | undefined, events: ReadonlyArray<WalletEvent>): WalletState | undefined =>
  events.reduce<WalletState | undefined>(evolve, state)
