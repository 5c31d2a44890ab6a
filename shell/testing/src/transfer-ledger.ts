/**
 * What transfers among a set of wallets must leave behind, read through the API: every transfer ends, the money is
 * all there, and each transfer is exactly one debit of its source and one credit (of its destination when
 * COMPLETED; of its source, the refund, when FAILED), each naming it.
 */
import { expect } from "vitest"
import { errorCode } from "./graphql-client"
import { eventually } from "./eventually"
import { accepted, allTransactions, expectConsistentHistory } from "./conformance/expectations"
import type { Api, Ids, TransactionView } from "./conformance/fixtures"

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

/** `count` fresh wallets holding `each` apiece. */
export const fundedWallets = async (api: Api, ids: Ids, count = 6, each = 1_000) => {
  const wallets = Array.from({ length: count }, () => ids.wallet())
  for (const id of wallets) {
    accepted(await api.openWallet({ id, commandId: ids.command() }), "openWallet")
    accepted(await api.credit(id, each, ids.command()), "credit")
  }
  return wallets
}

type Outcome = "acknowledged" | "refused" | "unknown"

/**
 * Eight writers sending transfers among `wallets` (one in seven to a wallet never opened), each over the next of
 * `apis` in turn, until stopped, every one with a commandId of its own and its outcome kept. A writer whose request
 * gets no answer at all (its connection died) stops when `stopOnDrop`, as a client of a server that is gone would,
 * and goes on otherwise; the outcome stays unknown either way.
 */
export const transferLoad = (apis: ReadonlyArray<Api>, ids: Ids, wallets: ReadonlyArray<string>, { stopOnDrop = false } = {}) => {
  const sent = new Map<string, { readonly from: string; readonly to: string; readonly amount: number; outcome: Outcome }>()
  let stopped = false
  let n = 0
  const writer = async () => {
    while (!stopped) {
      const i = n++
      const from = wallets[i % wallets.length]!
      const other = wallets[(i * 5 + 1) % wallets.length]!
      const to = i % 7 === 0 ? ids.wallet() : other === from ? wallets[(i + 1) % wallets.length]! : other
      const transfer = { from, to, amount: 1 + (i % 20), outcome: "unknown" as Outcome }
      const commandId = ids.command()
      sent.set(commandId, transfer)
      const response = await apis[i % apis.length]!.transfer(from, to, transfer.amount, commandId).catch(() => undefined)
      if (response === undefined && stopOnDrop) return
      if (response !== undefined) transfer.outcome = errorCode(response) === undefined ? "acknowledged" : "refused"
    }
  }
  const acknowledged = () => [...sent.values()].filter((t) => t.outcome === "acknowledged").length
  const writers = Array.from({ length: 8 }, writer)
  return {
    sent,
    acknowledged,
    /** Waits until `count` transfers were acknowledged, failing after `withinMs`. */
    reach: (count: number, withinMs = 120_000) =>
      eventually(() => acknowledged() >= count, { what: `${count} transfers acknowledged`, withinMs }),
    /** Stops the writers, and waits for their last requests. */
    stop: async () => {
      stopped = true
      await Promise.all(writers)
    }
  }
}

/**
 * Settles every transfer of `load` that was not acknowledged by sending it again with its commandId (each answers its
 * transfer, ended, or a refusal), then checks the ledger of `wallets`, which hold `total` in all: every transfer
 * acknowledged is among those that ended, and some were refunded.
 */
export const settleTransfers = async (api: Api, wallets: ReadonlyArray<string>, load: ReturnType<typeof transferLoad>, total: number) => {
  for (const [commandId, t] of load.sent)
    if (t.outcome !== "acknowledged") {
      const response = await api.transfer(t.from, t.to, t.amount, commandId)
      if (errorCode(response) === undefined) expect(["COMPLETED", "FAILED"]).toContain(accepted(response, "transfer").status)
      else expect(errorCode(response)).toBe("INSUFFICIENT_FUNDS")
    }
  const settled = await expectTransfersSettled(api, wallets, total)
  expect(settled.COMPLETED + settled.FAILED).toBeGreaterThanOrEqual(load.acknowledged())
  expect(settled.FAILED).toBeGreaterThan(0)
  return settled
}
