import { Schema } from "effect"
import { Amount, Id, Owner } from "../inputs"
import { CompleteTransfer, ReceiveTransfer, RefundTransfer, SendTransfer } from "./transfers"

export const OpenWallet = Schema.TaggedStruct("OpenWallet", { walletId: Id, owner: Owner })
export type OpenWallet = typeof OpenWallet.Type

export const Credit = Schema.TaggedStruct("Credit", { walletId: Id, amount: Amount })
export type Credit = typeof Credit.Type

export const Debit = Schema.TaggedStruct("Debit", { walletId: Id, amount: Amount })
export type Debit = typeof Debit.Type

export const WalletCommand = Schema.Union(OpenWallet, Credit, Debit, SendTransfer, ReceiveTransfer, CompleteTransfer, RefundTransfer)
export type WalletCommand = typeof WalletCommand.Type
