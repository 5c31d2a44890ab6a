/**
 * Assertions phrased in the words of the contract, so each test reads as the rule it checks. Failure messages
 * carry the whole response body: against a remote deployment that is often the only clue.
 */
import { expect } from "vitest"
import { errorCode, errorExtensions, type GraphQLResponse } from "../graphql-client"
import type { Api, ErrorCode, TransactionView, WalletView } from "./fixtures"

const show = (response: GraphQLResponse<unknown>) => `HTTP ${response.status} ${JSON.stringify(response.body)}`

/** The wallet id and commandId rule. */
export const ID_RULE = /^[A-Za-z0-9_.:-]{1,64}$/

/** ISO-8601 in UTC with a Z, e.g. 2026-11-22T10:00:00.000Z. */
const UTC_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/

/** Asserts the operation succeeded and returns the named top-level field, which must not be null. */
export const accepted = <TData, K extends keyof TData>(response: GraphQLResponse<TData>, field: K): NonNullable<TData[K]> => {
  expect(response.body.errors ?? [], show(response)).toEqual([])
  const value = response.body.data?.[field]
  expect(value, show(response)).not.toBeNull()
  expect(value, show(response)).not.toBeUndefined()
  return value as NonNullable<TData[K]>
}

/** Asserts the query succeeded and the named field is null ("none"). */
export const acceptedNull = <TData>(response: GraphQLResponse<TData>, field: keyof TData): void => {
  expect(response.body.errors ?? [], show(response)).toEqual([])
  expect(response.body.data?.[field], show(response)).toBeNull()
}

/**
 * Asserts a rejected mutation: errors[0].extensions.code and data null. A body without `data` is read as null
 * too: GraphQL omits it when a request fails before execution, and a client cannot tell the two apart.
 */
export const expectRejected = (response: GraphQLResponse<unknown>, code: ErrorCode): Readonly<Record<string, unknown>> => {
  expect(errorCode(response), show(response)).toBe(code)
  expect(response.body.data ?? null, show(response)).toBeNull()
  return errorExtensions(response)
}

/** Asserts a rejected query field: the field is null (data itself is present) and errors[0] carries the code. */
export const expectRejectedField = <TData>(response: GraphQLResponse<TData>, field: keyof TData, code: ErrorCode): void => {
  expect(errorCode(response), show(response)).toBe(code)
  expect(response.body.data, show(response)).not.toBeNull()
  expect(response.body.data?.[field], show(response)).toBeNull()
}

/** Asserts an ISO-8601 UTC DateTime that parses. */
export const expectDateTime = (value: string): void => {
  expect(value).toMatch(UTC_DATE_TIME)
  expect(Number.isNaN(Date.parse(value)), value).toBe(false)
}

/** Reads a wallet's whole history, newest first, following nextCursor with the largest page. */
export const allTransactions = async (api: Api, walletId: string): Promise<ReadonlyArray<TransactionView>> => {
  const items: Array<TransactionView> = []
  let after: string | undefined
  for (;;) {
    const page = accepted(await api.wallet(walletId, after === undefined ? { first: 100 } : { first: 100, after }), "wallet").transactions
    items.push(...page.items)
    if (page.nextCursor === null) return items
    after = page.nextCursor
  }
}

/** A wallet's observable state: enough to prove that a rejected command wrote nothing. */
export interface WalletSnapshot extends WalletView {
  readonly transactions: ReadonlyArray<TransactionView>
}

export const snapshot = async (api: Api, walletId: string): Promise<WalletSnapshot> => {
  const { id, owner, balance, version } = accepted(await api.wallet(walletId, { first: 1 }), "wallet")
  return { id, owner, balance, version, transactions: await allTransactions(api, walletId) }
}

/** Asserts that the wallet is exactly as before: same balance, version and history. */
export const expectUnchanged = async (api: Api, before: WalletSnapshot): Promise<void> => {
  expect(await snapshot(api, before.id)).toEqual(before)
}

/** Asserts that no wallet with this id exists (a rejected openWallet wrote nothing). */
export const expectNoWallet = async (api: Api, walletId: string): Promise<void> => {
  acceptedNull(await api.wallet(walletId), "wallet")
}

/**
 * Asserts a history (newest first) of a wallet opened at 0 is consistent: positive amounts, each balanceAfter is
 * the next-older one plus or minus its amount, never below 0, and the newest ends at `balance`.
 */
export const expectConsistentHistory = (items: ReadonlyArray<TransactionView>, balance: number): void => {
  let after = 0
  for (const item of [...items].reverse()) {
    expect(item.amount).toBeGreaterThan(0)
    after += item.kind === "CREDIT" ? item.amount : -item.amount
    expect(item.balanceAfter, JSON.stringify(item)).toBe(after)
    expect(item.balanceAfter).toBeGreaterThanOrEqual(0)
  }
  expect(after).toBe(balance)
}

/** Counts values, for readable outcome tallies such as { OK: 500, INSUFFICIENT_FUNDS: 500 }. */
export const tally = (values: ReadonlyArray<string>): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1
  return counts
}
