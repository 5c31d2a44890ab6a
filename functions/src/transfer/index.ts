import { defineDomain } from "../domain"
import { walletErrors } from "../wallet/api"
import { walletHandler } from "../wallet/handler"
import { transferApi, transferExamples, transferPlayground } from "./api"
import { transferProcess } from "./process"
import { transferProjector, transfersView } from "./view"

/**
 * Transfers between wallets: the source's debit, then the destination's credit, or the source's refund when the
 * destination declines; each step a command of the wallet handler, sent by the transfer's process manager.
 */
export const transfer = defineDomain({
  name: "transfer",
  handlers: [walletHandler],
  projectors: [transferProjector],
  processManagers: [transferProcess],
  views: [transfersView],
  api: transferApi,
  errors: walletErrors,
  examples: transferExamples,
  playground: transferPlayground
})
