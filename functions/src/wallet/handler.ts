import { Effect, Either, Option } from "effect"
import type { Envelope, EventHandler } from "../protocol"
import { EntityStates, Writes, type Versioned } from "../ports"
import { appendWithState } from "../write"
import { WalletCommand } from "./commands"
import { WalletEvent } from "./events"
import { BalanceLimit, InsufficientFunds, WalletExists, WalletNotFound, type WalletRejection } from "./rejections"
import { fold, maxBalance, streamOf, WalletState } from "./state"
import { transferStream } from "./transfers"

/** What a wallet command needs to know: the wallet as it stands, if it was opened. */
export type WalletLookup = Option.Option<Versioned<WalletState>>

const lookup = (command: WalletCommand, _envelope: Envelope) =>
  Effect.flatMap(EntityStates, (states) => states.get(streamOf(command.walletId), WalletState))

type Decision = Either.Either<ReadonlyArray<WalletEvent>, WalletRejection>
const accept = (...events: ReadonlyArray<WalletEvent>): Decision => Either.right(events)

/** Whether `amount` more fits under the limit, with room kept for the refunds of transfers on their way out. */
const fits = ({ balance, outgoing }: WalletState, amount: number) => balance + outgoing + amount <= maxBalance

/** Decides what a wallet command does; pure. */
export const operate = (command: WalletCommand, looked: WalletLookup): Decision => {
  const { walletId } = command
  if (command._tag === "OpenWallet")
    return Option.isSome(looked)
      ? Either.left(new WalletExists({ walletId }))
      : accept({ _tag: "WalletOpened", walletId, owner: command.owner })
  if (Option.isNone(looked))
    // A destination that was never opened declines; every other command needs its wallet.
    return command._tag === "ReceiveTransfer"
      ? accept({ ...command, _tag: "TransferDeclined", reason: "WALLET_NOT_FOUND" })
      : Either.left(new WalletNotFound({ walletId }))
  const wallet = looked.value.state
  const { balance } = wallet
  const { amount } = command
  switch (command._tag) {
    case "Credit":
      return fits(wallet, amount)
        ? accept({ _tag: "WalletCredited", walletId, amount, balanceAfter: balance + amount })
        : Either.left(new BalanceLimit({ walletId, balance, amount, outgoing: wallet.outgoing }))
    case "Debit":
      return amount > balance
        ? Either.left(new InsufficientFunds({ walletId, balance, amount }))
        : accept({ _tag: "WalletDebited", walletId, amount, balanceAfter: balance - amount })
    case "SendTransfer":
      return amount > balance
        ? Either.left(new InsufficientFunds({ walletId, balance, amount }))
        : accept({ ...command, _tag: "TransferSent", balanceAfter: balance - amount })
    case "ReceiveTransfer":
      return fits(wallet, amount)
        ? accept({ ...command, _tag: "TransferReceived", balanceAfter: balance + amount })
        : accept({ ...command, _tag: "TransferDeclined", reason: "BALANCE_LIMIT" })
    case "CompleteTransfer":
      return accept({ ...command, _tag: "TransferCompleted" })
    case "RefundTransfer":
      // The amount left this wallet and is still counted in `outgoing`, so it always fits.
      return accept({ ...command, _tag: "TransferRefunded", balanceAfter: balance + amount })
  }
}

const write = (command: WalletCommand, looked: WalletLookup, events: ReadonlyArray<WalletEvent>) => {
  const current = Option.getOrUndefined(looked)
  // A decline is the transfer's fact: it goes to the transfer's stream, and the wallet stays as it was. It was
  // decided on the wallet as it stood (none, or near the limit): appending nothing to it at that version makes a
  // write to it meanwhile a conflict, and the step is decided again.
  const [first] = events
  if (first?._tag === "TransferDeclined")
    return Effect.flatMap(Writes, (w) =>
      Effect.zipRight(
        w.record({ _tag: "Append", stream: transferStream(first.transferId), expectedVersion: 0, events }),
        w.record({ _tag: "Append", stream: streamOf(command.walletId), expectedVersion: current?.version ?? 0, events: [] })
      )
    )
  return appendWithState(streamOf(command.walletId), current?.version ?? 0, events, WalletState, fold(current?.state, events)!)
}

export const walletHandler: EventHandler<WalletCommand, WalletLookup, WalletEvent, WalletRejection> = {
  name: "wallet",
  reads: "wallet-commands",
  writes: "wallet-events",
  command: WalletCommand,
  event: WalletEvent,
  entity: (command) => command.walletId,
  lookup,
  operate: (command, looked) => operate(command, looked),
  write
}
