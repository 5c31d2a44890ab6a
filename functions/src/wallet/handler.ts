import { Effect, Either, Option } from "effect"
import type { Envelope, EventHandler } from "../protocol"
import { EntityStates, type Versioned } from "../ports"
import { appendWithState } from "../write"
import { WalletCommand } from "./commands"
import { WalletEvent } from "./events"
import { BalanceLimit, InsufficientFunds, WalletExists, WalletNotFound, type WalletRejection } from "./rejections"
import { fold, maxBalance, streamOf, WalletState } from "./state"

/** What a wallet command needs to know: the wallet as it stands, if it was opened. */
export type WalletLookup = Option.Option<Versioned<WalletState>>

const lookup = (command: WalletCommand, _envelope: Envelope) =>
  Effect.flatMap(EntityStates, (states) => states.get(streamOf(command.walletId), WalletState))

/** Decides what a wallet command does; pure. */
export const operate = (command: WalletCommand, looked: WalletLookup): Either.Either<ReadonlyArray<WalletEvent>, WalletRejection> => {
  const { walletId } = command
  if (command._tag === "OpenWallet")
    return Option.isSome(looked)
      ? Either.left(new WalletExists({ walletId }))
      : Either.right([{ _tag: "WalletOpened", walletId, owner: command.owner }])
  if (Option.isNone(looked)) return Either.left(new WalletNotFound({ walletId }))
  const { balance } = looked.value.state
  const { amount } = command
  if (command._tag === "Credit")
    return balance + amount > maxBalance
      ? Either.left(new BalanceLimit({ walletId, balance, amount }))
      : Either.right([{ _tag: "WalletCredited", walletId, amount, balanceAfter: balance + amount }])
  return amount > balance
    ? Either.left(new InsufficientFunds({ walletId, balance, amount }))
    : Either.right([{ _tag: "WalletDebited", walletId, amount, balanceAfter: balance - amount }])
}

const write = (command: WalletCommand, looked: WalletLookup, events: ReadonlyArray<WalletEvent>) => {
  const current = Option.getOrUndefined(looked)
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
