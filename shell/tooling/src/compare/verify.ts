import type { Driven } from "./drive"
import { post } from "./graphql"
import { initialBalance, type Sent } from "./workload"

interface Transaction {
  readonly id: string
  readonly kind: "CREDIT" | "DEBIT"
  readonly amount: number
  readonly balanceAfter: number
  readonly commandId: string
  readonly transferId: string | null
}

const readWallet = async (url: string, id: string) => {
  const items: Array<Transaction> = []
  let after: string | null = null
  let wallet: { balance: number; version: number } | undefined
  do {
    const cursor: string = after === null ? "" : `, after: "${after}"`
    const answer = await post(
      url,
      `{ wallet(id: "${id}") { balance version transactions(first: 100${cursor}) { items { id kind amount balanceAfter commandId transferId } nextCursor } } }`
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

/** What the accepted commands do to one wallet: its balance, its events and its transactions, past its funding. */
interface Expected {
  balance: number
  events: number
  items: number
}

/**
 * What the accepted commands must have left, wallet by wallet: a credit or a debit is one event and one transaction;
 * a transfer is two events of its source (the debit, then its completion or its refund) and, when COMPLETED, one
 * of its destination. Transfers to a wallet outside the run (never opened) end FAILED.
 */
const expectations = (walletIds: ReadonlyArray<string>, driven: Driven) => {
  const expected = new Map<string, Expected>(walletIds.map((id) => [id, { balance: initialBalance, events: 0, items: 0 }]))
  const transfers = new Map<string, { readonly sent: Sent; readonly status: string }>()
  for (const { sent, transfer } of driven.accepted) {
    const from = expected.get(sent.walletId)
    if (from === undefined) continue
    if (sent.kind === "credit" || sent.kind === "debit") {
      from.balance += sent.kind === "credit" ? sent.amount : -sent.amount
      from.events++
      from.items++
    }
    if (sent.kind === "transfer" && transfer !== undefined) {
      transfers.set(transfer.id, { sent, status: transfer.status })
      from.events += 2
      if (transfer.status === "FAILED") from.items += 2
      else {
        from.balance -= sent.amount
        from.items++
        const to = expected.get(sent.toWalletId)
        if (to !== undefined) {
          to.balance += sent.amount
          to.events++
          to.items++
        }
      }
    }
  }
  return { expected, transfers }
}

/** Reads the final state back through GraphQL and lists every way it differs from the accepted commands. */
export const verify = async (url: string, walletIds: ReadonlyArray<string>, driven: Driven) => {
  const failures: Array<string> = []
  const { expected, transfers } = expectations(walletIds, driven)
  const steps = new Map<string, Array<string>>()
  let sum = 0
  for (const [id, wants] of expected) {
    const wallet = await readWallet(url, id)
    if (wallet === undefined) {
      failures.push(`${id}: missing`)
      continue
    }
    sum += wallet.balance
    if (wallet.balance !== wants.balance) failures.push(`${id}: balance ${wallet.balance}, accepted commands give ${wants.balance}`)
    if (wallet.version !== 2 + wants.events) failures.push(`${id}: version ${wallet.version}, expected ${2 + wants.events}`)
    if (wallet.items.some((t) => t.balanceAfter < 0)) failures.push(`${id}: a negative balanceAfter`)
    if (new Set(wallet.items.map((t) => t.id)).size !== wallet.items.length) failures.push(`${id}: duplicate transactions`)
    if (wallet.items.length !== wants.items + 1) failures.push(`${id}: ${wallet.items.length} transactions for ${wants.items + 1} accepted`)
    const written = new Set(wallet.items.map((t) => t.commandId))
    for (const { sent } of driven.accepted)
      if ((sent.kind === "credit" || sent.kind === "debit") && sent.walletId === id && !written.has(sent.commandId))
        failures.push(`${id}: accepted ${sent.commandId} not written`)
    for (const t of wallet.items)
      if (t.transferId !== null) steps.set(t.transferId, [...(steps.get(t.transferId) ?? []), `${t.kind} ${id}`])
  }
  // Money is conserved: what the wallets hold is what they were funded with, plus credits, minus debits.
  const credited = driven.accepted.reduce(
    (total, { sent }) => total + (sent.kind === "credit" ? sent.amount : sent.kind === "debit" ? -sent.amount : 0),
    0
  )
  if (sum !== walletIds.length * initialBalance + credited)
    failures.push(
      `money: the wallets hold ${sum}, funding and accepted credits and debits give ${walletIds.length * initialBalance + credited}`
    )
  // Every transfer is one debit of its source and one credit: of its destination when COMPLETED, of its source when FAILED.
  for (const [id, { sent, status }] of transfers) {
    const credited = status === "COMPLETED" ? sent.toWalletId : sent.walletId
    const want = [`CREDIT ${credited}`, `DEBIT ${sent.walletId}`]
    const found = [...(steps.get(id) ?? [])].sort()
    if (status !== "COMPLETED" && status !== "FAILED") failures.push(`transfer ${id}: answered ${status}`)
    else if (JSON.stringify(found) !== JSON.stringify(want))
      failures.push(`transfer ${id} (${status}): steps ${found.join(", ") || "none"}`)
  }
  for (const id of steps.keys()) if (!transfers.has(id)) failures.push(`transfer ${id}: written, never acknowledged`)
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
  return {
    ok: failures.length === 0,
    checkedWallets: expected.size,
    checkedInvites: invited.size,
    checkedTransfers: transfers.size,
    failures
  }
}
