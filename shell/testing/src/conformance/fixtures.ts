/**
 * The operations of the contract as typed calls, fresh ids, and "given" steps shared by the conformance suite.
 */
import { randomBytes } from "node:crypto"
import { errorCode, gql, type GraphQLResponse, type Variables } from "../graphql-client"

/** The error codes the contract lists, in the order it checks them. */
export type ErrorCode =
  | "BAD_USER_INPUT"
  | "WALLET_NOT_FOUND"
  | "IDEMPOTENCY_CONFLICT"
  | "WALLET_EXISTS"
  | "INSUFFICIENT_FUNDS"
  | "BALANCE_LIMIT"
  | "ALREADY_INVITED"
  | "UNAVAILABLE"
  | "TIMEOUT"

export interface WalletView {
  readonly id: string
  readonly owner: string
  readonly balance: number
  readonly version: number
}

export interface TransactionView {
  readonly id: string
  readonly kind: "CREDIT" | "DEBIT"
  readonly amount: number
  readonly balanceAfter: number
  readonly commandId: string
  readonly at: string
  readonly transferId: string | null
}

export interface TransactionPage {
  readonly items: ReadonlyArray<TransactionView>
  readonly nextCursor: string | null
}

export interface WalletWithTransactions extends WalletView {
  readonly transactions: TransactionPage
}

export interface CustomerView {
  readonly id: string
  readonly email: string
  readonly invited: boolean
  readonly invitedAt: string
}

export interface TransferView {
  readonly id: string
  readonly fromWalletId: string
  readonly toWalletId: string
  readonly amount: number
  readonly status: "PENDING" | "COMPLETED" | "FAILED"
  readonly failure: string | null
  readonly requestedAt: string
  readonly endedAt: string | null
}

/** The largest balance the contract allows (GraphQL's Int maximum). */
export const BALANCE_LIMIT = 2_147_483_647
/** The largest amount one credit or debit may carry. */
export const MAX_AMOUNT = 1_000_000_000

const WALLET_FIELDS = "id owner balance version"
const TRANSACTION_FIELDS = "id kind amount balanceAfter commandId at transferId"
const TRANSFER_FIELDS = "id fromWalletId toWalletId amount status failure requestedAt endedAt"
const CUSTOMER_FIELDS = "id email invited invitedAt"

const OPEN_WALLET = `mutation ($owner: String!, $id: ID, $commandId: ID) {
  openWallet(owner: $owner, id: $id, commandId: $commandId) { ${WALLET_FIELDS} } }`
const CREDIT = `mutation ($walletId: ID!, $amount: Int!, $commandId: ID) {
  credit(walletId: $walletId, amount: $amount, commandId: $commandId) { ${WALLET_FIELDS} } }`
const DEBIT = `mutation ($walletId: ID!, $amount: Int!, $commandId: ID) {
  debit(walletId: $walletId, amount: $amount, commandId: $commandId) { ${WALLET_FIELDS} } }`
const INVITE = `mutation ($email: String!, $commandId: ID) {
  inviteCustomer(email: $email, commandId: $commandId) { ${CUSTOMER_FIELDS} } }`
// An absent $first leaves the argument unset, so the schema default applies (GraphQL spec, CoerceArgumentValues).
const WALLET = `query ($id: ID!, $first: Int, $after: String) {
  wallet(id: $id) { ${WALLET_FIELDS} transactions(first: $first, after: $after) { items { ${TRANSACTION_FIELDS} } nextCursor } } }`
/** Spells out no `first` at all, to observe the schema default without relying on variable coercion. */
export const WALLET_DEFAULT_PAGE = `query ($id: ID!) {
  wallet(id: $id) { ${WALLET_FIELDS} transactions { items { ${TRANSACTION_FIELDS} } nextCursor } } }`
const TRANSFER = `mutation ($fromWalletId: ID!, $toWalletId: ID!, $amount: Int!, $commandId: ID) {
  transfer(fromWalletId: $fromWalletId, toWalletId: $toWalletId, amount: $amount, commandId: $commandId) { ${TRANSFER_FIELDS} } }`
const TRANSFER_BY_ID = `query ($id: ID!) { transfer(id: $id) { ${TRANSFER_FIELDS} } }`
const CUSTOMER = `query ($id: ID!) { customer(id: $id) { ${CUSTOMER_FIELDS} } }`
const CUSTOMER_BY_EMAIL = `query ($email: String!) { customerByEmail(email: $email) { ${CUSTOMER_FIELDS} } }`

/** The mutation documents, for tests that send them some other way (e.g. over GET). */
export const documents = { OPEN_WALLET, CREDIT, DEBIT, INVITE } as const

/**
 * Makes ids that no other run shares: a random per-run prefix plus a counter, so the suite can run against a
 * long-lived database, twice in a row, or alongside another run, and every id stays within the 64-char rule.
 */
export const makeIds = () => {
  const run = randomBytes(6).toString("hex")
  let counter = 0
  const next = () => (counter++).toString(36)
  return {
    run,
    wallet: () => `w-${run}-${next()}`,
    command: () => `c-${run}-${next()}`,
    /** A lower-case email; `label` only makes failures easier to read. */
    email: (label = "e") => `${label}-${run}-${next()}@example.com`
  }
}
export type Ids = ReturnType<typeof makeIds>

const TRANSIENT: ReadonlyArray<string | undefined> = ["UNAVAILABLE", "TIMEOUT"]
const RETRY_DEADLINE_MS = 30_000
// A dropped connection under load is worth a retry; a server that is not there at all should fail fast.
const MAX_TRANSPORT_FAILURES = 3

/**
 * Sends a mutation. When it carries a commandId, UNAVAILABLE, TIMEOUT and dropped connections are retried with
 * the same commandId, which the contract declares safe; a deployment under load (Kafka) may answer those, and they
 * are not what the tests are about. Without a commandId a retry would be a new command, so none is made.
 */
const send = async <TData>(url: string, query: string, variables: Variables): Promise<GraphQLResponse<TData>> => {
  if (typeof variables["commandId"] !== "string") return gql<TData>(url, query, variables)
  const deadline = Date.now() + RETRY_DEADLINE_MS
  let transportFailures = 0
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await gql<TData>(url, query, variables)
      if (!TRANSIENT.includes(errorCode(response)) || Date.now() > deadline) return response
    } catch (failure) {
      if (++transportFailures >= MAX_TRANSPORT_FAILURES || Date.now() > deadline) throw failure
    }
    // Back off a little so a struggling deployment is not hammered by the very retries meant to spare it.
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)))
  }
}

/** The operations of the contract, bound to a lazily read URL (the server starts after the suite is declared). */
export const makeApi = (url: () => string) => ({
  openWallet: (args: { readonly owner?: string; readonly id?: string; readonly commandId?: string } = {}) =>
    send<{ openWallet: WalletView }>(url(), OPEN_WALLET, { owner: "Ada Lovelace", ...args }),
  credit: (walletId: string, amount: number, commandId?: string) =>
    send<{ credit: WalletView }>(url(), CREDIT, { walletId, amount, commandId }),
  debit: (walletId: string, amount: number, commandId?: string) =>
    send<{ debit: WalletView }>(url(), DEBIT, { walletId, amount, commandId }),
  invite: (email: string, commandId?: string) => send<{ inviteCustomer: CustomerView }>(url(), INVITE, { email, commandId }),
  wallet: (id: string, page: { readonly first?: number; readonly after?: string } = {}) =>
    gql<{ wallet: WalletWithTransactions | null }>(url(), WALLET, { id, ...page }),
  walletDefaultPage: (id: string) => gql<{ wallet: WalletWithTransactions | null }>(url(), WALLET_DEFAULT_PAGE, { id }),
  customer: (id: string) => gql<{ customer: CustomerView | null }>(url(), CUSTOMER, { id }),
  customerByEmail: (email: string) => gql<{ customerByEmail: CustomerView | null }>(url(), CUSTOMER_BY_EMAIL, { email }),
  transfer: (fromWalletId: string, toWalletId: string, amount: number, commandId?: string) =>
    send<{ transfer: TransferView }>(url(), TRANSFER, { fromWalletId, toWalletId, amount, commandId }),
  transferById: (id: string) => gql<{ transfer: TransferView | null }>(url(), TRANSFER_BY_ID, { id })
})
export type Api = ReturnType<typeof makeApi>

/** What every conformance file receives: the bound API, the run's id factory, and the raw URL getter. */
export interface Conformance {
  readonly url: () => string
  readonly api: Api
  readonly ids: Ids
}
