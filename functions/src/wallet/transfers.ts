// What each step of a transfer does to one wallet. The steps run one after another, each on one wallet, sent by the
// transfer's process manager (functions/src/transfer); a wallet only ever decides its own step.
import { Schema } from "effect"
import { Amount, Id } from "../inputs"

/** The code a destination refuses a transfer's credit with; the source is refunded. */
export const DeclineReason = Schema.Literal("WALLET_NOT_FOUND", "BALANCE_LIMIT")
export type DeclineReason = typeof DeclineReason.Type

/** The source's step: debit it, or refuse the transfer up front. Sent by the `transfer` mutation. */
export const SendTransfer = Schema.TaggedStruct("SendTransfer", {
  walletId: Id,
  transferId: Id,
  toWalletId: Id,
  amount: Amount
}).pipe(Schema.filter((c) => c.walletId !== c.toWalletId || "a transfer's source and destination must differ"))
export type SendTransfer = typeof SendTransfer.Type

/** The destination's step: credit it, or decline when it cannot take the money. */
export const ReceiveTransfer = Schema.TaggedStruct("ReceiveTransfer", {
  walletId: Id,
  transferId: Id,
  fromWalletId: Id,
  amount: Amount
})
export type ReceiveTransfer = typeof ReceiveTransfer.Type

/** The source's last step after a credit: the money has arrived. `credited` is the destination's version after it. */
export const CompleteTransfer = Schema.TaggedStruct("CompleteTransfer", {
  walletId: Id,
  transferId: Id,
  toWalletId: Id,
  amount: Amount,
  credited: Schema.Int
})
export type CompleteTransfer = typeof CompleteTransfer.Type

/** The source's last step after a decline: the money comes back. */
export const RefundTransfer = Schema.TaggedStruct("RefundTransfer", {
  walletId: Id,
  transferId: Id,
  toWalletId: Id,
  amount: Amount,
  reason: DeclineReason
})
export type RefundTransfer = typeof RefundTransfer.Type

export const TransferSent = Schema.TaggedStruct("TransferSent", {
  walletId: Schema.String,
  transferId: Schema.String,
  toWalletId: Schema.String,
  amount: Schema.Int,
  balanceAfter: Schema.Int
})
export type TransferSent = typeof TransferSent.Type

export const TransferReceived = Schema.TaggedStruct("TransferReceived", {
  walletId: Schema.String,
  transferId: Schema.String,
  fromWalletId: Schema.String,
  amount: Schema.Int,
  balanceAfter: Schema.Int
})
export type TransferReceived = typeof TransferReceived.Type

/**
 * The destination could not take the money. It is a fact of the transfer, not of a wallet (the destination may not
 * exist), so it is recorded on the transfer's own stream, once.
 */
export const TransferDeclined = Schema.TaggedStruct("TransferDeclined", {
  walletId: Schema.String,
  transferId: Schema.String,
  fromWalletId: Schema.String,
  amount: Schema.Int,
  reason: DeclineReason
})
export type TransferDeclined = typeof TransferDeclined.Type

export const TransferCompleted = Schema.TaggedStruct("TransferCompleted", {
  walletId: Schema.String,
  transferId: Schema.String,
  toWalletId: Schema.String,
  amount: Schema.Int,
  credited: Schema.Int
})
export type TransferCompleted = typeof TransferCompleted.Type

export const TransferRefunded = Schema.TaggedStruct("TransferRefunded", {
  walletId: Schema.String,
  transferId: Schema.String,
  toWalletId: Schema.String,
  amount: Schema.Int,
  balanceAfter: Schema.Int,
  reason: DeclineReason
})
export type TransferRefunded = typeof TransferRefunded.Type

/** The stream a transfer's own facts go to: its decline. */
export const transferStream = (transferId: string) => `transfer-${transferId}`
