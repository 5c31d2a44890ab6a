import type { CompareOptions } from "./options"

/** One mutation the load sends; its commandId makes its outcome checkable, and retryable, afterwards. */
export interface Sent {
  readonly kind: "credit" | "debit" | "invite" | "transfer"
  readonly commandId: string
  /** The wallet credited or debited; a transfer's source. */
  readonly walletId: string
  /** A transfer's destination: another wallet of the run, or one never opened (the transfer is refunded). */
  readonly toWalletId: string
  readonly amount: number
  readonly email: string
}

export const initialBalance = 100_000

export const walletIds = (run: string, wallets: number) => Array.from({ length: wallets }, (_, i) => `${run}-w${i}`)

/** The wallet a tenth of the transfers go to: never opened, so they end FAILED and their source is refunded. */
export const nowhere = (run: string) => `${run}-nowhere`

/** The query text of a sent mutation. */
export const mutationOf = (s: Sent) => {
  switch (s.kind) {
    case "invite":
      return `mutation { inviteCustomer(email: "${s.email}", commandId: "${s.commandId}") { id email } }`
    case "transfer":
      return `mutation { transfer(fromWalletId: "${s.walletId}", toWalletId: "${s.toWalletId}", amount: ${s.amount}, commandId: "${s.commandId}") { id status } }`
    default:
      return `mutation { ${s.kind}(walletId: "${s.walletId}", amount: ${s.amount}, commandId: "${s.commandId}") { balance } }`
  }
}

/** The n-th mutation of a run: kinds in the mix's proportions, wallets and amounts spread evenly. */
export const makeWorkload = (run: string, options: CompareOptions) => {
  const { credit, debit, invite, transfer } = options.mix
  const cycle = credit + debit + invite + transfer
  return (n: number): Sent => {
    const slot = n % cycle
    const kind = slot < credit ? "credit" : slot < credit + debit ? "debit" : slot < credit + debit + invite ? "invite" : "transfer"
    const from = (n * 7919) % options.wallets
    // Another wallet than the source (when there is one), and one never opened every tenth time.
    const to =
      options.wallets === 1 || n % 10 === 9 ? nowhere(run) : `${run}-w${(from + 1 + ((n * 31) % (options.wallets - 1))) % options.wallets}`
    return {
      kind,
      commandId: `${run}-c${n}`,
      walletId: `${run}-w${from}`,
      toWalletId: to,
      amount: 1 + ((n * 31) % 100),
      // Each email is sent twice, so ALREADY_INVITED is part of every run.
      email: `${run}-${Math.floor(n / (2 * cycle))}@example.com`
    }
  }
}
