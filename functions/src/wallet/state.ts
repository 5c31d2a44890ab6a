import { Schema } from "effect"
import type { WalletEvent } from "./events"

export const WalletState = Schema.Struct({ walletId: Schema.String, owner: Schema.String, balance: Schema.Int })
export type WalletState = typeof WalletState.Type

/** The largest balance a wallet may hold (a signed 32-bit integer, as GraphQL's Int). */
export const maxBalance = 2_147_483_647

export const streamOf = (walletId: string) => `wallet-${walletId}`

/** Folds one event into the state; the first event of a stream is always `WalletOpened`. */
export const evolve = (state: WalletState | undefined, event: WalletEvent): WalletState => {
  switch (event._tag) {
    case "WalletOpened":
      return { walletId: event.walletId, owner: event.owner, balance: 0 }
    case "WalletCredited":
      return { ...state!, balance: state!.balance + event.amount }
    case "WalletDebited":
      return { ...state!, balance: state!.balance - event.amount }
  }
}

export const fold = (state: WalletState | undefined, events: ReadonlyArray<WalletEvent>): WalletState | undefined =>
  events.reduce<WalletState | undefined>(evolve, state)
