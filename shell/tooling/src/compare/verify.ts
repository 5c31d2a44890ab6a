import type { Driven } from "./drive"
import { post } from "./graphql"
import { initialBalance, type Sent } from "./workload"

interface Transaction {
  readonly id: string
  readonly kind: "CREDIT" | "DEBIT"
  readonly amount: number
  readonly balanceAfter: number
  readonly commandId: string
}

const readWallet = async (url: string, id: string) => {
  const items: Array<Transaction> = []
  let after: string | null = null
  let wallet: { balance: number; version: number } | undefined
  do {
    const cursor: string = after === null ? "" : `, after: "${after}"`
    const answer = await post(
      url,
      `{ wallet(id: "${id}") { balance version transactions(first: 100${cursor}) { items { id kind amount balanceAfter commandId } nextCursor } } }`
    )
    const w = answer.data?.["wallet"] as
      | { balance: number; version: number; transactions: { items: Array<Transaction>; nextCursor: string | null } }
      | null
      | undefined
    if (w == null) return undefined
    wallet = { balance: w.balance, version: w.version }
    items.push(...w.transactions.items)
    after = w.transactions.nextCursor
  } while (after !== null)
  return { ...wallet!, items }
}

/** Reads the final state back through GraphQL and lists every way it differs from the accepted commands. */
export const verify = async (url: string, walletIds: ReadonlyArray<string>, driven: Driven) => {
  const failures: Array<string> = []
  const byWallet = new Map<string, Array<Sent>>(walletIds.map((id) => [id, []]))
  for (const { sent } of driven.accepted) if (sent.kind !== "invite") byWallet.get(sent.walletId)?.push(sent)
  for (const [id, sent] of byWallet) {
    const wallet = await readWallet(url, id)
    if (wallet === undefined) {
      failures.push(`${id}: missing`)
      continue
    }
    const expected = sent.reduce((b, s) => b + (s.kind === "credit" ? s.amount : -s.amount), initialBalance)
    if (wallet.balance !== expected) failures.push(`${id}: balance ${wallet.balance}, accepted commands give ${expected}`)
    if (wallet.version !== 2 + sent.length) failures.push(`${id}: version ${wallet.version}, expected ${2 + sent.length}`)
    if (wallet.items.some((t) => t.balanceAfter < 0)) failures.push(`${id}: a negative balanceAfter`)
    if (new Set(wallet.items.map((t) => t.id)).size !== wallet.items.length) failures.push(`${id}: duplicate transactions`)
    const written = new Map(wallet.items.map((t) => [t.commandId, t]))
    for (const s of sent) if (!written.has(s.commandId)) failures.push(`${id}: accepted ${s.commandId} not written`)
    if (wallet.items.length !== sent.length + 1) failures.push(`${id}: ${wallet.items.length} transactions for ${sent.length + 1} accepted`)
  }
  const invited = new Map<string, string>()
  for (const { sent, customerId } of driven.accepted)
    if (sent.kind === "invite") {
      if (invited.has(sent.email)) failures.push(`${sent.email}: invited twice`)
      invited.set(sent.email, customerId ?? "")
    }
  for (const [email, customerId] of invited) {
    const answer = await post(url, `{ customerByEmail(email: "${email}") { id } }`)
    const found = (answer.data?.["customerByEmail"] as { id: string } | null | undefined)?.id
    if (found !== customerId) failures.push(`${email}: customer ${found ?? "missing"}, accepted as ${customerId}`)
  }
  return { ok: failures.length === 0, checkedWallets: byWallet.size, checkedInvites: invited.size, failures }
}
