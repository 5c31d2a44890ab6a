import { Data } from "effect"

export class WalletNotFound extends Data.TaggedError("WalletNotFound")<{ readonly walletId: string }> {}

export class WalletExists extends Data.TaggedError("WalletExists")<{ readonly walletId: string }> {}

export class InsufficientFunds extends Data.TaggedError("InsufficientFunds")<{
  readonly walletId: string
  readonly balance: number
  readonly amount: number
}> {}

export class BalanceLimit extends Data.TaggedError("BalanceLimit")<{
  readonly walletId: string
  readonly balance: number
  readonly amount: number
  /** What transfers took and may still bring back: the room under the limit kept for their refunds. */
  readonly outgoing: number
}> {}

export type WalletRejection = WalletNotFound | WalletExists | InsufficientFunds | BalanceLimit
