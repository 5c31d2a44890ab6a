import { Schema } from "effect"
import { TransferCompleted, TransferDeclined, TransferReceived, TransferRefunded, TransferSent } from "./transfers"

export const WalletOpened = Schema.TaggedStruct("WalletOpened", { walletId: Schema.String, owner: Schema.String })
export type WalletOpened = typeof WalletOpened.Type

export const WalletCredited = Schema.TaggedStruct("WalletCredited", {
  walletId: Schema.String,
  amount: Schema.Int,
  balanceAfter: Schema.Int
})
export type WalletCredited = typeof WalletCredited.Type

export const WalletDebited = Schema.TaggedStruct("WalletDebited", {
  walletId: Schema.String,
  amount: Schema.Int,
  balanceAfter: Schema.Int
})
export type WalletDebited = typeof WalletDebited.Type

export const WalletEvent = Schema.Union(
  WalletOpened,
  WalletCredited,
  WalletDebited,
  TransferSent,
  TransferReceived,
  TransferDeclined,
  TransferCompleted,
  TransferRefunded
)
export type WalletEvent = typeof WalletEvent.Type
