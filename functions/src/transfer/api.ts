import { Schema } from "effect"
import { mutation, query, type Api, type Doc, type Example, type Sight } from "../domain"
import { Id } from "../inputs"
import { walletHandler } from "../wallet/handler"
import { walletsView } from "../wallet/projectors"
import { SendTransfer } from "../wallet/transfers"
import { transfersView } from "./view"

/** The transfer's part of the GraphQL contract, word for word. */
const schema = `
type Query {
  "The transfer with this id; null when none was requested."
  transfer(id: ID!): Transfer
}

type Mutation {
  """
  Moves amount from one wallet to another in steps that each commit on one wallet: the source is debited; then
  the destination is credited; when the destination refuses the credit (WALLET_NOT_FOUND, BALANCE_LIMIT), the
  source is refunded and the transfer ends FAILED with that code in \`failure\`. No step is lost or done twice,
  whatever process stops on the way, and no money is made or lost: once every transfer has ended, the sum of all
  balances equals the sum of all credit mutations minus all debit mutations.

  Refused up front, writing nothing, in this order: BAD_USER_INPUT (the amount rule; either id breaks the id rule;
  fromWalletId equals toWalletId), WALLET_NOT_FOUND (the source was never opened), IDEMPOTENCY_CONFLICT,
  INSUFFICIENT_FUNDS (the source's balance is below amount; extensions.balance and extensions.amount are set).

  The commandId belongs to the source wallet (its scope, as for debit). The transfer's id is made by the server,
  and derived from fromWalletId and commandId when a commandId is given, so a retry finds the same transfer.
  Answers once the transfer has ended (COMPLETED or FAILED) and both wallets show it; or TIMEOUT, after which the
  transfer still runs to its end: read it with transfer(id) or retry with the same commandId.
  """
  transfer(fromWalletId: ID!, toWalletId: ID!, amount: Int!, commandId: ID): Transfer!
}

enum TransferStatus {
  "The source was debited; the credit (or the refund) is still on its way."
  PENDING
  "The destination was credited."
  COMPLETED
  "The destination refused the credit and the source was refunded."
  FAILED
}

type Transfer {
  id: ID!
  fromWalletId: ID!
  toWalletId: ID!
  "Always positive."
  amount: Int!
  status: TransferStatus!
  "When FAILED, the code the destination refused the credit with (WALLET_NOT_FOUND or BALANCE_LIMIT); else null."
  failure: String
  "When the source was debited."
  requestedAt: DateTime!
  "When the transfer ended; null while PENDING."
  endedAt: DateTime
}
`

/** A wallet's document once it has folded `version` events. */
const walletAt = (walletId: unknown, version: unknown): Sight => ({
  view: walletsView,
  key: String(walletId),
  shows: (wallet) => Number(wallet["version"]) >= Number(version)
})

export const transferApi: Api = {
  schema,
  mutations: {
    transfer: mutation({
      handler: walletHandler,
      command: SendTransfer,
      input: ({ fromWalletId, toWalletId, amount }, ids) => ({
        _tag: "SendTransfer",
        walletId: fromWalletId,
        toWalletId,
        amount,
        transferId: `t-${ids.id(String(fromWalletId))}`
      }),
      view: transfersView,
      key: (command) => command.transferId,
      // Both wallets show the end: the source its last step, the destination its credit (a refund leaves it as it was).
      settles: {
        ended: (transfer: Doc) => transfer["status"] !== "PENDING",
        alsoIn: (transfer: Doc) => [
          walletAt(transfer["fromWalletId"], transfer["endedVersion"]),
          ...(transfer["status"] === "COMPLETED" ? [walletAt(transfer["toWalletId"], transfer["credited"])] : [])
        ]
      }
    })
  },
  queries: {
    transfer: query({ args: Schema.Struct({ id: Id }), view: transfersView, key: ({ id }) => id })
  }
}

const TRANSFER =
  "mutation ($from: ID!, $to: ID!, $amount: Int!) { transfer(fromWalletId: $from, toWalletId: $to, amount: $amount) { amount status failure } }"
const WALLET = "query ($id: ID!) { wallet(id: $id) { balance transactions { items { kind amount } } } }"

export const transferExamples: ReadonlyArray<Example> = [
  {
    name: "a transfer moves money between two wallets, and one to a wallet never opened is refunded",
    steps: (run) => [
      {
        query: 'mutation ($id: ID) { openWallet(owner: "Ada", id: $id) { id } }',
        variables: { id: `${run}-from` },
        data: { openWallet: { id: `${run}-from` } }
      },
      {
        query: 'mutation ($id: ID) { openWallet(owner: "Bo", id: $id) { id } }',
        variables: { id: `${run}-to` },
        data: { openWallet: { id: `${run}-to` } }
      },
      {
        query: "mutation ($id: ID!) { credit(walletId: $id, amount: 100) { balance } }",
        variables: { id: `${run}-from` },
        data: { credit: { balance: 100 } }
      },
      {
        query: TRANSFER,
        variables: { from: `${run}-from`, to: `${run}-to`, amount: 30 },
        data: { transfer: { amount: 30, status: "COMPLETED", failure: null } }
      },
      {
        query: TRANSFER,
        variables: { from: `${run}-from`, to: `${run}-nobody`, amount: 20 },
        data: { transfer: { amount: 20, status: "FAILED", failure: "WALLET_NOT_FOUND" } }
      },
      { query: TRANSFER, variables: { from: `${run}-from`, to: `${run}-to`, amount: 500 }, code: "INSUFFICIENT_FUNDS" },
      {
        query: WALLET,
        variables: { id: `${run}-from` },
        data: {
          wallet: {
            balance: 70,
            transactions: {
              items: [
                { kind: "CREDIT", amount: 20 },
                { kind: "DEBIT", amount: 20 },
                { kind: "DEBIT", amount: 30 },
                { kind: "CREDIT", amount: 100 }
              ]
            }
          }
        }
      },
      {
        query: WALLET,
        variables: { id: `${run}-to` },
        data: { wallet: { balance: 30, transactions: { items: [{ kind: "CREDIT", amount: 30 }] } } }
      }
    ]
  }
]

/** For GraphiQL: a transfer between the README's wallets, then both ends of it. */
export const transferPlayground = `# Transfers: open "ada" and "bo" first (the Wallets tab),
# credit "ada", then move money to "bo". A transfer to a
# wallet never opened ends FAILED and the source is refunded.
mutation OpenBo {
  openWallet(owner: "Bo", id: "bo") {
    id
  }
}
mutation Transfer {
  transfer(fromWalletId: "ada", toWalletId: "bo", amount: 50, commandId: "move-1") {
    id
    status
    failure
    requestedAt
    endedAt
  }
}
mutation TransferToNobody {
  transfer(fromWalletId: "ada", toWalletId: "nobody", amount: 10) {
    id
    status
    failure
  }
}
query Wallets {
  ada: wallet(id: "ada") {
    balance
    transactions(first: 5) {
      items {
        kind
        amount
        transferId
      }
    }
  }
  bo: wallet(id: "bo") {
    balance
  }
}
`
