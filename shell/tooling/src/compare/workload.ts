import type { CompareOptions } from "./options"

/** One mutation the load sends; its commandId makes its outcome checkable, and retryable, afterwards. */
export interface Sent {
  readonly kind: "credit" | "debit" | "invite"
  readonly commandId: string
  readonly walletId: string
  readonly amount: number
  readonly email: string
}

export const initialBalance = 100_000

export const walletIds = (run: string, wallets: number) => Array.from({ length: wallets }, (_, i) => `${run}-w${i}`)

/** The query text of a sent mutation. */
export const mutationOf = (s: Sent) =>
  s.kind === "invite"
    ? `mutation { inviteCustomer(email: "${s.email}", commandId: "${s.commandId}") { id email } }`
    : `mutation { ${s.kind}(walletId: "${s.walletId}", amount: ${s.amount}, commandId: "${s.commandId}") { balance } }`

/** The n-th mutation of a run: kinds in the mix's proportions, wallets and amounts spread evenly. */
export const makeWorkload = (run: string, options: CompareOptions) => {
  const { credit, debit, invite } = options.mix
  const cycle = credit + debit + invite
  return (n: number): Sent => {
    const slot = n % cycle
    const kind = slot < credit ? "credit" : slot < credit + debit ? "debit" : "invite"
    return {
      kind,
      commandId: `${run}-c${n}`,
      walletId: `${run}-w${(n * 7919) % options.wallets}`,
      amount: 1 + ((n * 31) % 100),
      // Each email is sent twice, so ALREADY_INVITED is part of every run.
      email: `${run}-${Math.floor(n / (2 * cycle))}@example.com`
    }
  }
}
