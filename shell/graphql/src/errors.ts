import { Cause, Effect, Option } from "effect"
import { GraphQLError } from "graphql"
import type { AlreadyInvited, PortFailure, WalletRejection } from "@low/functions"
import type { BadInput, IdempotencyConflict, Timeout, Unavailable } from "@low/core"

/** Every failure the contract names. */
export type ContractError =
  | BadInput | WalletRejection | AlreadyInvited | IdempotencyConflict | Unavailable | Timeout | PortFailure

const coded = (code: string, message: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code, ...extensions } })

const retry = "retry with the same commandId"

/** The contract's error for a failure it names. */
export const toGraphQLError = (e: ContractError): GraphQLError => {
  switch (e._tag) {
    case "BadInput":
      return coded("BAD_USER_INPUT", e.message)
    case "WalletNotFound":
      return coded("WALLET_NOT_FOUND", `No wallet ${e.walletId} was opened.`)
    case "IdempotencyConflict":
      return coded("IDEMPOTENCY_CONFLICT", `commandId ${e.commandId} was used before with a different command.`)
    case "WalletExists":
      return coded("WALLET_EXISTS", `Wallet ${e.walletId} is already open.`)
    case "InsufficientFunds":
      return coded("INSUFFICIENT_FUNDS", `The balance ${e.balance} is lower than ${e.amount}.`, { balance: e.balance, amount: e.amount })
    case "BalanceLimit":
      return coded("BALANCE_LIMIT", "The credit would take the balance over 2147483647.", { balance: e.balance, amount: e.amount })
    case "AlreadyInvited":
      return coded("ALREADY_INVITED", `${e.email} was invited before.`, { customerId: e.customerId })
    case "Unavailable":
    case "PortFailure":
      return coded("UNAVAILABLE", `${e.dependency} is unavailable; ${retry}.`)
    case "Timeout":
      return coded("TIMEOUT", `The outcome was not known in time; ${retry}.`)
  }
}

const contractTags: ReadonlySet<string> = new Set<ContractError["_tag"]>([
  "BadInput", "WalletNotFound", "IdempotencyConflict", "WalletExists", "InsufficientFunds", "BalanceLimit",
  "AlreadyInvited", "Unavailable", "PortFailure", "Timeout"
])

const isContractError = (e: unknown): e is ContractError =>
  typeof e === "object" && e !== null && contractTags.has((e as { _tag?: string })._tag ?? "")

/**
 * What GraphQL answers for a failed resolver. Infrastructure failures are logged as warnings, anything the
 * contract does not name as errors, and those are masked.
 */
export const answerFailure = (cause: Cause.Cause<unknown>, commandId?: string): Effect.Effect<Error> => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure) && isContractError(failure.value)) {
    const answer = toGraphQLError(failure.value)
    const code = answer.extensions["code"]
    return code === "UNAVAILABLE" || code === "TIMEOUT"
      ? Effect.as(Effect.logWarning("command not done", cause).pipe(Effect.annotateLogs({ commandId, code })), answer)
      : Effect.succeed(answer)
  }
  return Effect.as(Effect.logError("unexpected failure", cause).pipe(Effect.annotateLogs({ commandId })), new Error("internal"))
}
