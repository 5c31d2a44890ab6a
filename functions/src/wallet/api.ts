import { Schema } from "effect"
import { mutation, query, type Api, type ErrorTable, type Example } from "../domain"
import { Id, PageSize } from "../inputs"
import { Credit, Debit, OpenWallet } from "./commands"
import { walletHandler } from "./handler"
import { transactionsView, walletsView } from "./projectors"
import type { WalletRejection } from "./rejections"
import { maxBalance } from "./state"

/** The wallet's part of the GraphQL contract, word for word. */
const schema = `
type Query {
  "The wallet with this id; null when none was opened."
  wallet(id: ID!): Wallet
}

type Mutation {
  """
  Opens a wallet with balance 0. When id is absent the server makes one; when id is absent and commandId is
  given, the id is derived from the commandId (and obeys the id rule), so a retry opens nothing new.
  """
  openWallet(owner: String!, id: ID, commandId: ID): Wallet!
  "Adds amount to the balance."
  credit(walletId: ID!, amount: Int!, commandId: ID): Wallet!
  "Takes amount from the balance; INSUFFICIENT_FUNDS when the balance would go below 0."
  debit(walletId: ID!, amount: Int!, commandId: ID): Wallet!
}

type Wallet {
  id: ID!
  owner: String!
  balance: Int!
  "How many events this wallet has (the open counts as one)."
  version: Int!
  "Credits and debits, newest first by event position. first is 1..100."
  transactions(first: Int = 20, after: String): TransactionPage!
}

type TransactionPage {
  items: [Transaction!]!
  "Pass as after to get the next page; null when no items follow."
  nextCursor: String
}

enum TransactionKind {
  CREDIT
  DEBIT
}

type Transaction {
  "The id of the event."
  id: ID!
  kind: TransactionKind!
  "Always positive."
  amount: Int!
  balanceAfter: Int!
  commandId: ID!
  at: DateTime!
  "The transfer this transaction is a step of (its debit, its credit, or its refund); null for credit and debit."
  transferId: ID
}
`

const wallet = { view: walletsView, key: (command: { readonly walletId: string }) => command.walletId }

export const walletApi: Api = {
  schema,
  mutations: {
    openWallet: mutation({
      handler: walletHandler,
      command: OpenWallet,
      // A wallet opened without an id gets one, derived from the commandId when there is one.
      input: ({ owner, id }, ids) => ({ _tag: "OpenWallet", owner, walletId: id ?? `w-${ids.id()}` }),
      ...wallet
    }),
    credit: mutation({
      handler: walletHandler,
      command: Credit,
      input: ({ walletId, amount }) => ({ _tag: "Credit", walletId, amount }),
      ...wallet
    }),
    debit: mutation({
      handler: walletHandler,
      command: Debit,
      input: ({ walletId, amount }) => ({ _tag: "Debit", walletId, amount }),
      ...wallet
    })
  },
  queries: {
    wallet: query({ args: Schema.Struct({ id: Id }), view: walletsView, key: ({ id }) => id })
  },
  pages: {
    Wallet: { transactions: { view: transactionsView, key: (wallet) => String(wallet["id"]), first: PageSize } }
  }
}

/** The contract's code for each rejection of a wallet command. */
export const walletErrors: ErrorTable<WalletRejection> = {
  WalletNotFound: (e) => ({ code: "WALLET_NOT_FOUND", message: `No wallet ${e.walletId} was opened.` }),
  WalletExists: (e) => ({ code: "WALLET_EXISTS", message: `Wallet ${e.walletId} is already open.` }),
  InsufficientFunds: (e) => ({
    code: "INSUFFICIENT_FUNDS",
    message: `The balance ${e.balance} is lower than ${e.amount}.`,
    extensions: { balance: e.balance, amount: e.amount }
  }),
  BalanceLimit: (e) => ({
    code: "BALANCE_LIMIT",
    message:
      e.outgoing === 0
        ? `The credit would take the balance over ${maxBalance}.`
        : `The credit would take the balance over ${maxBalance} once the ${e.outgoing} on its way out in transfers is refunded.`,
    extensions: { balance: e.balance, amount: e.amount }
  })
}

const WALLET = "query ($id: ID!) { wallet(id: $id) { id owner balance version transactions { items { kind amount balanceAfter } } } }"

/** The README's first steps. */
export const walletExamples: ReadonlyArray<Example> = [
  {
    name: "open a wallet, credit it, and a debit larger than the balance is refused",
    steps: (run) => [
      {
        query: 'mutation ($id: ID) { openWallet(owner: "Ada", id: $id) { id owner balance version } }',
        variables: { id: `${run}-ada` },
        data: { openWallet: { id: `${run}-ada`, owner: "Ada", balance: 0, version: 1 } }
      },
      {
        query: 'mutation ($id: ID!) { credit(walletId: $id, amount: 500, commandId: "pay-1") { balance version } }',
        variables: { id: `${run}-ada` },
        data: { credit: { balance: 500, version: 2 } }
      },
      {
        query: "mutation ($id: ID!) { debit(walletId: $id, amount: 900) { balance } }",
        variables: { id: `${run}-ada` },
        code: "INSUFFICIENT_FUNDS"
      },
      {
        query: WALLET,
        variables: { id: `${run}-ada` },
        data: {
          wallet: {
            id: `${run}-ada`,
            owner: "Ada",
            balance: 500,
            version: 2,
            transactions: { items: [{ kind: "CREDIT", amount: 500, balanceAfter: 500 }] }
          }
        }
      }
    ]
  }
]

/** For GraphiQL: the README's first steps, one operation each, to run in order with the cursor in each. */
export const walletPlayground = `# Wallets: put the cursor in an operation and press
# Ctrl+Enter (or pick one with the run button).
# Open a wallet, credit it, try a debit larger than its
# balance (INSUFFICIENT_FUNDS), then read it back.
# Credit again with commandId "pay-1": nothing applied.
# OpenWallet again: WALLET_EXISTS.

mutation OpenWallet {
  openWallet(owner: "Ada", id: "ada") {
    id
    owner
    balance
    version
  }
}

mutation Credit {
  credit(walletId: "ada", amount: 500, commandId: "pay-1") {
    balance
    version
  }
}

mutation Debit {
  debit(walletId: "ada", amount: 900) {
    balance
  }
}

query Wallet {
  wallet(id: "ada") {
    id
    owner
    balance
    version
    transactions(first: 20) {
      items {
        kind
        amount
        balanceAfter
        commandId
        at
      }
      nextCursor
    }
  }
}
`
