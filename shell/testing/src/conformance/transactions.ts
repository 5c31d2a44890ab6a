/** Wallet.transactions: newest first by event position, the fields of Transaction, and first/after paging. */
import { describe, expect, it } from "vitest"
import { accepted, expectConsistentHistory, expectDateTime, ID_RULE } from "./expectations"
import type { TransactionView } from "./fixtures"
import type { SuiteContext } from "./given"

type Expected = Pick<TransactionView, "kind" | "amount" | "balanceAfter" | "commandId">

/** A wallet with 25 transactions made one after another, and what its history must be, newest first. */
interface History {
  readonly id: string
  readonly expected: ReadonlyArray<Expected>
}

const HISTORY_LENGTH = 25

export const describeTransactions = ({ api, ids, given }: SuiteContext): void => {
  const build = async (): Promise<History> => {
    const id = await given.wallet()
    const oldestFirst: Array<Expected> = []
    let balance = 0
    for (let step = 1; step <= HISTORY_LENGTH; step++) {
      // Every fifth a debit, with amounts that differ step to step, so a misplaced item cannot look right.
      const kind = step % 5 === 0 ? "DEBIT" : "CREDIT"
      const amount = kind === "DEBIT" ? step : 100 + step
      const commandId = ids.command()
      if (kind === "DEBIT") accepted(await api.debit(id, amount, commandId), "debit")
      else accepted(await api.credit(id, amount, commandId), "credit")
      balance += kind === "DEBIT" ? -amount : amount
      oldestFirst.push({ kind, amount, balanceAfter: balance, commandId })
    }
    return { id, expected: oldestFirst.reverse() }
  }
  // Built once, on first use inside a test (so under the test timeout), and only read afterwards.
  let shared: Promise<History> | undefined
  const history = () => (shared ??= build())

  describe("transactions", () => {
    it("given 25 credits and debits, when reading them, then they come newest first with kind, amount, balanceAfter, the echoed commandId, a unique id and a UTC DateTime", async () => {
      const { id, expected } = await history()
      const wallet = accepted(await api.wallet(id, { first: 100 }), "wallet")
      const items = wallet.transactions.items
      expect(items.map(({ kind, amount, balanceAfter, commandId }) => ({ kind, amount, balanceAfter, commandId }))).toEqual(expected)
      expect(wallet.transactions.nextCursor).toBeNull()
      expect(new Set(items.map((t) => t.id)).size).toBe(HISTORY_LENGTH)
      for (const item of items) expectDateTime(item.at)
      expectConsistentHistory(items, wallet.balance)
    })

    it("given 25 transactions, when paging with first 10, then pages of 10, 10 and 5 cover them all once and the last nextCursor is null", async () => {
      const { id, expected } = await history()
      const pages: Array<ReadonlyArray<TransactionView>> = []
      let after: string | undefined
      for (;;) {
        const page = accepted(await api.wallet(id, after === undefined ? { first: 10 } : { first: 10, after }), "wallet").transactions
        pages.push(page.items)
        if (page.nextCursor === null) break
        after = page.nextCursor
        expect(pages.length, "more pages than 25 items can fill").toBeLessThan(4)
      }
      expect(pages.map((page) => page.length)).toEqual([10, 10, 5])
      expect(pages.flat().map((t) => t.commandId)).toEqual(expected.map((t) => t.commandId))
    })

    it("given 25 transactions, when asking for exactly 25, then nextCursor is null because no items follow", async () => {
      const { id } = await history()
      const page = accepted(await api.wallet(id, { first: HISTORY_LENGTH }), "wallet").transactions
      expect(page.items).toHaveLength(HISTORY_LENGTH)
      expect(page.nextCursor).toBeNull()
    })

    it("given 25 transactions, when asking for 24 and then the rest, then the second page holds the oldest one and ends the list", async () => {
      const { id, expected } = await history()
      const first = accepted(await api.wallet(id, { first: 24 }), "wallet").transactions
      expect(first.nextCursor).not.toBeNull()
      const rest = accepted(await api.wallet(id, { first: 100, after: first.nextCursor ?? "" }), "wallet").transactions
      expect(rest.items.map((t) => t.commandId)).toEqual([expected[HISTORY_LENGTH - 1]?.commandId])
      expect(rest.nextCursor).toBeNull()
    })

    it("given 25 transactions, when first is not given, then 20 come back (the default) with a nextCursor", async () => {
      const { id, expected } = await history()
      const page = accepted(await api.walletDefaultPage(id), "wallet").transactions
      expect(page.items.map((t) => t.commandId)).toEqual(expected.slice(0, 20).map((t) => t.commandId))
      expect(page.nextCursor).not.toBeNull()
    })

    it("given 25 transactions, when asking for first 1, then only the newest comes back", async () => {
      const { id, expected } = await history()
      const page = accepted(await api.wallet(id, { first: 1 }), "wallet").transactions
      expect(page.items.map((t) => t.commandId)).toEqual([expected[0]?.commandId])
      expect(page.nextCursor).not.toBeNull()
    })

    it("given credits sent without a commandId, when reading them, then each carries a server-made commandId that obeys the id rule", async () => {
      const id = await given.wallet()
      accepted(await api.credit(id, 1), "credit")
      accepted(await api.credit(id, 2), "credit")
      const items = accepted(await api.wallet(id), "wallet").transactions.items
      expect(items.map((t) => t.amount)).toEqual([2, 1])
      for (const item of items) expect(item.commandId).toMatch(ID_RULE)
      expect(items[0]?.commandId).not.toBe(items[1]?.commandId)
    })
  })
}
