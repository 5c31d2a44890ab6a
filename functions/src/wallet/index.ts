import { defineDomain } from "../domain"
import { walletApi, walletErrors, walletExamples, walletPlayground } from "./api"
import { walletHandler } from "./handler"
import { balanceProjector, transactionsProjector, transactionsView, walletsView } from "./projectors"

/** Wallets: open, credit, debit; a debit never overdraws; the balance and the history of each wallet. */
export const wallet = defineDomain({
  name: "wallet",
  handlers: [walletHandler],
  projectors: [balanceProjector, transactionsProjector],
  views: [walletsView, transactionsView],
  api: walletApi,
  errors: walletErrors,
  examples: walletExamples,
  playground: walletPlayground
})
