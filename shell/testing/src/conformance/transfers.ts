/**
 * Transfers: a saga over two wallets. Refused up front with the listed codes and nothing written; otherwise the
 * answer comes once the transfer ended and both wallets show it, each step a transaction naming the transfer.
 */
import { describe, expect, it } from "vitest"
import { errorCode, errorExtensions } from "../graphql-client"
import {
  accepted,
  acceptedNull,
  allTransactions,
  expectConsistentHistory,
  expectDateTime,
  expectRejected,
  expectRejectedField,
  expectUnchanged,
  snapshot,
  tally
} from "./expectations"
import { BALANCE_LIMIT, MAX_AMOUNT } from "./fixtures"
import type { SuiteContext } from "./given"

const HEAVY = { timeout: 120_000 }

export const describeTransfers = ({ api, ids, given }: SuiteContext): void => {
  describe("transfers", () => {
    it("given 100 on the source, when 30 are transferred, then COMPLETED once both wallets show it, each step naming the transfer", async () => {
      const from = await given.wallet(100)
      const to = await given.wallet(5)
      const done = accepted(await api.transfer(from, to, 30, ids.command()), "transfer")
      expect(done).toMatchObject({ fromWalletId: from, toWalletId: to, amount: 30, status: "COMPLETED", failure: null })
      expectDateTime(done.requestedAt)
      expectDateTime(done.endedAt!)
      expect(accepted(await api.transferById(done.id), "transfer")).toStrictEqual(done)
      // The answer came after both wallets show the transfer: no wait is needed here.
      const source = await allTransactions(api, from)
      const destination = await allTransactions(api, to)
      expect(source[0]).toMatchObject({ kind: "DEBIT", amount: 30, balanceAfter: 70, transferId: done.id })
      expect(destination[0]).toMatchObject({ kind: "CREDIT", amount: 30, balanceAfter: 35, transferId: done.id })
      expect(source.slice(1).map((t) => t.transferId)).toStrictEqual([null])
      expect(accepted(await api.wallet(from), "wallet").balance).toBe(70)
      expect(accepted(await api.wallet(to), "wallet").balance).toBe(35)
      expectConsistentHistory(source, 70)
      expectConsistentHistory(destination, 35)
    })

    it("given a destination never opened, when transferring, then FAILED with WALLET_NOT_FOUND, the source refunded and no wallet made", async () => {
      const from = await given.wallet(100)
      const nobody = ids.wallet()
      const done = accepted(await api.transfer(from, nobody, 40, ids.command()), "transfer")
      expect(done).toMatchObject({ status: "FAILED", failure: "WALLET_NOT_FOUND", amount: 40, toWalletId: nobody })
      const history = await allTransactions(api, from)
      expect(history.slice(0, 2)).toMatchObject([
        { kind: "CREDIT", amount: 40, balanceAfter: 100, transferId: done.id },
        { kind: "DEBIT", amount: 40, balanceAfter: 60, transferId: done.id }
      ])
      expectConsistentHistory(history, 100)
      acceptedNull(await api.wallet(nobody), "wallet")
    })

    it("given a destination near the balance limit, when transferring more than fits, then FAILED with BALANCE_LIMIT and both balances as before", async () => {
      const from = await given.wallet(100)
      const full = await given.wallet(BALANCE_LIMIT - 10)
      const before = await snapshot(api, full)
      const done = accepted(await api.transfer(from, full, 11, ids.command()), "transfer")
      expect(done).toMatchObject({ status: "FAILED", failure: "BALANCE_LIMIT" })
      expect(accepted(await api.wallet(from), "wallet").balance).toBe(100)
      await expectUnchanged(api, before)
    })

    it("given bad input, a source never opened or too small, when transferring, then each code in the contract's order and nothing written", async () => {
      const from = await given.wallet(50)
      const to = await given.wallet(0)
      const [fromBefore, toBefore] = [await snapshot(api, from), await snapshot(api, to)]
      for (const amount of [0, -5, MAX_AMOUNT + 1]) expectRejected(await api.transfer(from, to, amount, ids.command()), "BAD_USER_INPUT")
      expectRejected(await api.transfer(from, "not an id!", 1, ids.command()), "BAD_USER_INPUT")
      expectRejected(await api.transfer(from, from, 1, ids.command()), "BAD_USER_INPUT")
      // The amount rule comes before a source never opened.
      expectRejected(await api.transfer(ids.wallet(), to, 0, ids.command()), "BAD_USER_INPUT")
      expectRejected(await api.transfer(ids.wallet(), to, 1, ids.command()), "WALLET_NOT_FOUND")
      const short = await api.transfer(from, to, 51, ids.command())
      expectRejected(short, "INSUFFICIENT_FUNDS")
      expect(errorExtensions(short)).toMatchObject({ balance: 50, amount: 51 })
      await expectUnchanged(api, fromBefore)
      await expectUnchanged(api, toBefore)
    })

    it("given a transfer answered, when it is sent again with its commandId, then the same transfer, one debit, and another amount is IDEMPOTENCY_CONFLICT", async () => {
      const from = await given.wallet(100)
      const to = await given.wallet(0)
      const commandId = ids.command()
      const first = accepted(await api.transfer(from, to, 10, commandId), "transfer")
      const again = accepted(await api.transfer(from, to, 10, commandId), "transfer")
      expect(again).toStrictEqual(first)
      expectRejected(await api.transfer(from, to, 11, commandId), "IDEMPOTENCY_CONFLICT")
      // The commandId is the source's: a credit of the source with it is a different command on the same entity.
      expectRejected(await api.debit(from, 10, commandId), "IDEMPOTENCY_CONFLICT")
      expect((await allTransactions(api, from)).filter((t) => t.transferId === first.id)).toHaveLength(1)
      expect(accepted(await api.wallet(to), "wallet").balance).toBe(10)
    })

    it("given an id no transfer has, when reading it, then null; a malformed id is BAD_USER_INPUT", async () => {
      acceptedNull(await api.transferById(`t-${ids.run}-none`), "transfer")
      expectRejectedField(await api.transferById("not an id!"), "transfer", "BAD_USER_INPUT")
    })

    it(
      "given 500 on the source, when 100 transfers of 10 arrive at once, then exactly 50 go through and the rest are INSUFFICIENT_FUNDS",
      HEAVY,
      async () => {
        const from = await given.wallet(500)
        const to = await given.wallet(0)
        const responses = await Promise.all(Array.from({ length: 100 }, () => api.transfer(from, to, 10, ids.command())))
        expect(tally(responses.map((r) => (errorCode(r) === undefined ? r.body.data!.transfer.status : errorCode(r)!)))).toEqual({
          COMPLETED: 50,
          INSUFFICIENT_FUNDS: 50
        })
        expect(accepted(await api.wallet(from), "wallet").balance).toBe(0)
        expect(accepted(await api.wallet(to), "wallet").balance).toBe(500)
        expectConsistentHistory(await allTransactions(api, from), 0)
        expectConsistentHistory(await allTransactions(api, to), 500)
      }
    )

    it(
      "given two wallets, when transfers go both ways at once, then none is stuck, no balance goes below 0, and the money is all there",
      HEAVY,
      async () => {
        const a = await given.wallet(100)
        const b = await given.wallet(100)
        const responses = await Promise.all(
          Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? api.transfer(a, b, 7, ids.command()) : api.transfer(b, a, 9, ids.command())))
        )
        for (const r of responses) expect(["COMPLETED", "INSUFFICIENT_FUNDS"]).toContain(r.body.data?.transfer.status ?? errorCode(r))
        const [wa, wb] = [accepted(await api.wallet(a), "wallet"), accepted(await api.wallet(b), "wallet")]
        expect(wa.balance + wb.balance).toBe(200)
        expectConsistentHistory(await allTransactions(api, a), wa.balance)
        expectConsistentHistory(await allTransactions(api, b), wb.balance)
      }
    )
  })
}
