/**
 * Read-your-writes: "a mutation returns only after its event is durably written AND visible to every query".
 * Each check queries immediately after the mutation answers, with no waiting, which is the whole point.
 */
import { describe, expect, it } from "vitest"
import { accepted } from "./expectations"
import type { SuiteContext } from "./given"

export const describeReadYourWrites = ({ api, ids }: SuiteContext): void => {
  describe("read-your-writes", () => {
    it("given a wallet just opened, when querying it at once, then it shows version 1 and balance 0", async () => {
      const id = ids.wallet()
      accepted(await api.openWallet({ id }), "openWallet")
      expect(accepted(await api.wallet(id), "wallet")).toMatchObject({ id, balance: 0, version: 1 })
    })

    it("given credits and debits in turn, when querying after each one answers, then the wallet shows its balance, version and newest transaction", async () => {
      const id = ids.wallet()
      accepted(await api.openWallet({ id }), "openWallet")
      let balance = 0
      for (let step = 1; step <= 10; step++) {
        const kind = step % 3 === 0 ? "DEBIT" : "CREDIT"
        const amount = kind === "DEBIT" ? step : 10 * step
        const commandId = ids.command()
        const returned =
          kind === "DEBIT"
            ? accepted(await api.debit(id, amount, commandId), "debit")
            : accepted(await api.credit(id, amount, commandId), "credit")
        balance += kind === "DEBIT" ? -amount : amount
        const expected = { id, balance, version: step + 1 }
        expect(returned).toMatchObject(expected)

        const wallet = accepted(await api.wallet(id, { first: 1 }), "wallet")
        expect(wallet).toMatchObject(expected)
        expect(wallet.transactions.items[0]).toMatchObject({ kind, amount, balanceAfter: balance, commandId })
      }
    })

    it("given a customer just invited, when querying customer(id) and customerByEmail at once, then both show it", async () => {
      const email = ids.email()
      const invited = accepted(await api.invite(email, ids.command()), "inviteCustomer")
      expect(accepted(await api.customer(invited.id), "customer")).toEqual(invited)
      expect(accepted(await api.customerByEmail(email), "customerByEmail")).toEqual(invited)
    })
  })
}
