/**
 * What transfers among a set of wallets must leave behind, read through the API: every transfer ends, the money is
 * all there, and each transfer is exactly one debit of its source and one credit (of its destination when
 * COMPLETED; of its source, the refund, when FAILED), each naming it.
 */
import { expect } from "vitest"
import { eventually } from "./eventually"
import { accepted, allTransactions, expectConsistentHistory } from "./conformance/expectations"
import type { Api, TransactionView } from "./conformance/fixtures"

const histories = async (api: Api, wallets: ReadonlyArray<string>) =>
  new Map<string, ReadonlyArray<TransactionView>>(await Promise.all(wallets.map(async (w) => [w, await allTransactions(api, w)] as const)))

/** Waits for every transfer the wallets' histories name to end, then checks them; `total` is the money the wallets hold in all. */
export const expectTransfersSettled = async (api: Api, wallets: ReadonlyArray<string>, total: number) => {
  const named = new Set(
    [...(await histories(api, wallets)).values()].flatMap((h) => h.flatMap((t) => (t.transferId === null ? [] : [t.transferId])))
  )
  for (const id of named)
    await eventually(async () => accepted(await api.transferById(id), "transfer").status !== "PENDING", {
      what: `transfer ${id} ended`,
      withinMs: 60_000
    })

  const steps = new Map<string, Array<{ readonly wallet: string; readonly kind: string }>>()
  let sum = 0
  for (const [wallet, history] of await histories(api, wallets)) {
    const { balance } = accepted(await api.wallet(wallet), "wallet")
    expectConsistentHistory(history, balance)
    sum += balance
    for (const t of history)
      if (t.transferId !== null) steps.set(t.transferId, [...(steps.get(t.transferId) ?? []), { wallet, kind: t.kind }])
  }
  const ended = { COMPLETED: 0, FAILED: 0 }
  for (const [id, found] of steps) {
    const transfer = accepted(await api.transferById(id), "transfer")
    const credited = transfer.status === "COMPLETED" ? transfer.toWalletId : transfer.fromWalletId
    expect(
      [...found].sort((a, b) => a.kind.localeCompare(b.kind)),
      `the steps of ${id}`
    ).toStrictEqual([
      { wallet: credited, kind: "CREDIT" },
      { wallet: transfer.fromWalletId, kind: "DEBIT" }
    ])
    ended[transfer.status as "COMPLETED" | "FAILED"]++
  }
  expect(sum).toBe(total)
  return { ...ended, transfers: [...steps.keys()] }
}
