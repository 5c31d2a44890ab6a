/**
 * Idempotency as the contract states it: commandIds are scoped per entity; an accepted commandId is never applied
 * twice and its retry returns the current view, even when the command would now be refused; a rejected command
 * leaves no trace and may be retried; without a commandId every call is a new command.
 */
import { describe, expect, it } from "vitest"
import { accepted, allTransactions, expectRejected, snapshot } from "./expectations"
import type { SuiteContext } from "./given"

export const describeIdempotency = ({ api, ids, given }: SuiteContext): void => {
  describe("idempotency", () => {
    it("given a debit of 100 of 100 accepted with commandId c, when it is retried with c, then it returns the current view and applies once (not INSUFFICIENT_FUNDS)", async () => {
      const id = await given.wallet(100)
      const commandId = ids.command()
      accepted(await api.debit(id, 100, commandId), "debit")
      const retried = accepted(await api.debit(id, 100, commandId), "debit")
      expect(retried).toMatchObject({ id, balance: 0, version: 3 })
      expect(await snapshot(api, id)).toMatchObject({ balance: 0, version: 3 })
      expect((await allTransactions(api, id)).map((t) => t.kind)).toEqual(["DEBIT", "CREDIT"])
    })

    it("given a credit accepted with commandId c and a later credit, when c is retried, then it returns the current view, not the one it first returned", async () => {
      const id = await given.wallet()
      const commandId = ids.command()
      accepted(await api.credit(id, 10, commandId), "credit")
      accepted(await api.credit(id, 5, ids.command()), "credit")
      expect(accepted(await api.credit(id, 10, commandId), "credit")).toMatchObject({ balance: 15, version: 3 })
      expect(await allTransactions(api, id)).toHaveLength(2)
    })

    it("given a credit accepted with commandId c on one wallet, when c is used on another wallet, then it is a new command there", async () => {
      const first = await given.wallet()
      const second = await given.wallet()
      const commandId = ids.command()
      accepted(await api.credit(first, 10, commandId), "credit")
      expect(accepted(await api.credit(second, 10, commandId), "credit")).toMatchObject({ balance: 10, version: 2 })
      expect(accepted(await api.debit(second, 3, ids.command()), "debit").balance).toBe(7)
      expect(accepted(await api.wallet(first), "wallet")).toMatchObject({ balance: 10, version: 2 })
    })

    it("given a debit refused with INSUFFICIENT_FUNDS under commandId c, when the wallet is credited and c is retried, then it succeeds, and a further retry applies nothing", async () => {
      const id = await given.wallet(30)
      const commandId = ids.command()
      expectRejected(await api.debit(id, 50, commandId), "INSUFFICIENT_FUNDS")
      await given.credited(id, 100)
      expect(accepted(await api.debit(id, 50, commandId), "debit")).toMatchObject({ balance: 80, version: 4 })
      expect(accepted(await api.debit(id, 50, commandId), "debit")).toMatchObject({ balance: 80, version: 4 })
    })

    it("given a credit refused with BAD_USER_INPUT under commandId c, when a valid credit is sent with c, then it is applied (the rejection left no trace)", async () => {
      const id = await given.wallet()
      const commandId = ids.command()
      expectRejected(await api.credit(id, 0, commandId), "BAD_USER_INPUT")
      expect(accepted(await api.credit(id, 5, commandId), "credit")).toMatchObject({ balance: 5, version: 2 })
    })

    it("given a credit refused with WALLET_NOT_FOUND under commandId c, when the wallet is opened and c is retried, then it is applied", async () => {
      const id = ids.wallet()
      const commandId = ids.command()
      expectRejected(await api.credit(id, 5, commandId), "WALLET_NOT_FOUND")
      accepted(await api.openWallet({ id, commandId: ids.command() }), "openWallet")
      expect(accepted(await api.credit(id, 5, commandId), "credit")).toMatchObject({ balance: 5, version: 2 })
    })

    it("given a wallet opened with an id and commandId c, when the open is retried with c, then the same wallet is returned (not WALLET_EXISTS)", async () => {
      const id = ids.wallet()
      const commandId = ids.command()
      const opened = accepted(await api.openWallet({ id, commandId }), "openWallet")
      expect(accepted(await api.openWallet({ id, commandId }), "openWallet")).toEqual(opened)
      expect(accepted(await api.wallet(id), "wallet").version).toBe(1)
    })

    it("given two identical credits without a commandId, when both are sent, then both are applied (each is a new command)", async () => {
      const id = await given.wallet()
      accepted(await api.credit(id, 10), "credit")
      expect(accepted(await api.credit(id, 10), "credit")).toMatchObject({ balance: 20, version: 3 })
    })

    it("given an invite accepted with commandId c, when it is retried with c, then the same customer is returned (not ALREADY_INVITED)", async () => {
      const email = ids.email()
      const commandId = ids.command()
      const customer = accepted(await api.invite(email, commandId), "inviteCustomer")
      expect(accepted(await api.invite(email, commandId), "inviteCustomer")).toEqual(customer)
    })

    it("given an invite accepted with commandId c, when it is retried with c and the email upper-cased and padded, then it is the same command and the same customer", async () => {
      const email = ids.email()
      const commandId = ids.command()
      const customer = accepted(await api.invite(email, commandId), "inviteCustomer")
      expect(accepted(await api.invite(` ${email.toUpperCase()}  `, commandId), "inviteCustomer")).toEqual(customer)
    })

    it("given an invite accepted with commandId c, when c invites another email, then it is a new command and another customer", async () => {
      const commandId = ids.command()
      const first = accepted(await api.invite(ids.email(), commandId), "inviteCustomer")
      const second = accepted(await api.invite(ids.email(), commandId), "inviteCustomer")
      expect(second.id).not.toBe(first.id)
    })
  })
}
