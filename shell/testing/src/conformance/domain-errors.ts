/**
 * The business error codes of the contract, each with its condition, its extensions, "nothing written", and the
 * order "checked in this order" wherever two codes can apply to the same request.
 */
import { describe, expect, it } from "vitest"
import { accepted, expectNoWallet, expectRejected, expectUnchanged, snapshot } from "./expectations"
import { BALANCE_LIMIT, MAX_AMOUNT } from "./fixtures"
import type { SuiteContext } from "./given"

export const describeDomainErrors = ({ api, ids, given }: SuiteContext): void => {
  describe("WALLET_NOT_FOUND", () => {
    it("given a wallet id that was never opened, when crediting it, then WALLET_NOT_FOUND and no wallet appears", async () => {
      const id = ids.wallet()
      expectRejected(await api.credit(id, 10, ids.command()), "WALLET_NOT_FOUND")
      await expectNoWallet(api, id)
    })

    it("given a wallet id that was never opened, when debiting it, then WALLET_NOT_FOUND and no wallet appears", async () => {
      const id = ids.wallet()
      expectRejected(await api.debit(id, 10, ids.command()), "WALLET_NOT_FOUND")
      await expectNoWallet(api, id)
    })
  })

  describe("IDEMPOTENCY_CONFLICT", () => {
    it("given a credit accepted with commandId c, when c is reused with another amount, then IDEMPOTENCY_CONFLICT and the wallet is unchanged", async () => {
      const id = await given.wallet()
      const commandId = ids.command()
      accepted(await api.credit(id, 10, commandId), "credit")
      const before = await snapshot(api, id)
      expectRejected(await api.credit(id, 20, commandId), "IDEMPOTENCY_CONFLICT")
      await expectUnchanged(api, before)
    })

    it("given a credit accepted with commandId c, when c is reused for a debit of the same wallet, then IDEMPOTENCY_CONFLICT and the wallet is unchanged", async () => {
      const id = await given.wallet()
      const commandId = ids.command()
      accepted(await api.credit(id, 10, commandId), "credit")
      const before = await snapshot(api, id)
      expectRejected(await api.debit(id, 10, commandId), "IDEMPOTENCY_CONFLICT")
      await expectUnchanged(api, before)
    })

    it("given a wallet opened with commandId c, when c is reused for a credit of that wallet, then IDEMPOTENCY_CONFLICT and the wallet is unchanged", async () => {
      const id = ids.wallet()
      const commandId = ids.command()
      accepted(await api.openWallet({ id, commandId }), "openWallet")
      const before = await snapshot(api, id)
      expectRejected(await api.credit(id, 10, commandId), "IDEMPOTENCY_CONFLICT")
      await expectUnchanged(api, before)
    })
  })

  describe("WALLET_EXISTS", () => {
    it("given an open wallet, when opening its id again without a commandId, then WALLET_EXISTS and the wallet is unchanged", async () => {
      const id = ids.wallet()
      accepted(await api.openWallet({ id, owner: "first" }), "openWallet")
      await given.credited(id, 5)
      const before = await snapshot(api, id)
      expectRejected(await api.openWallet({ id, owner: "second" }), "WALLET_EXISTS")
      await expectUnchanged(api, before)
    })

    it("given a wallet opened with commandId c1, when its id is opened with another commandId c2, then WALLET_EXISTS (not a retry)", async () => {
      const id = ids.wallet()
      accepted(await api.openWallet({ id, commandId: ids.command() }), "openWallet")
      const before = await snapshot(api, id)
      expectRejected(await api.openWallet({ id, commandId: ids.command() }), "WALLET_EXISTS")
      await expectUnchanged(api, before)
    })
  })

  describe("INSUFFICIENT_FUNDS", () => {
    it("given a balance of 100, when debiting 101, then INSUFFICIENT_FUNDS with extensions.balance 100 and amount 101, and the wallet is unchanged", async () => {
      const before = await snapshot(api, await given.wallet(100))
      const extensions = expectRejected(await api.debit(before.id, 101, ids.command()), "INSUFFICIENT_FUNDS")
      expect(extensions).toMatchObject({ balance: 100, amount: 101 })
      await expectUnchanged(api, before)
    })

    it("given a fresh wallet, when debiting 1, then INSUFFICIENT_FUNDS with extensions.balance 0 and amount 1", async () => {
      const id = await given.wallet()
      expect(expectRejected(await api.debit(id, 1, ids.command()), "INSUFFICIENT_FUNDS")).toMatchObject({ balance: 0, amount: 1 })
    })

    it("given a balance of 100, when debiting exactly 100, then it is accepted and the balance is 0", async () => {
      const id = await given.wallet(100)
      expect(accepted(await api.debit(id, 100, ids.command()), "debit")).toMatchObject({ balance: 0, version: 3 })
    })
  })

  describe("BALANCE_LIMIT", () => {
    it("given two credits of 1000000000, when a third arrives, then BALANCE_LIMIT and the balance stays 2000000000", async () => {
      const id = await given.wallet()
      accepted(await api.credit(id, MAX_AMOUNT, ids.command()), "credit")
      accepted(await api.credit(id, MAX_AMOUNT, ids.command()), "credit")
      const before = await snapshot(api, id)
      expect(before).toMatchObject({ balance: 2 * MAX_AMOUNT, version: 3 })
      expectRejected(await api.credit(id, MAX_AMOUNT, ids.command()), "BALANCE_LIMIT")
      await expectUnchanged(api, before)
    })

    it("given a balance of 2000000000, when crediting up to exactly 2147483647, then it is accepted, and one more is BALANCE_LIMIT", async () => {
      const id = await given.wallet(2 * MAX_AMOUNT)
      expect(accepted(await api.credit(id, BALANCE_LIMIT - 2 * MAX_AMOUNT, ids.command()), "credit").balance).toBe(BALANCE_LIMIT)
      const before = await snapshot(api, id)
      expectRejected(await api.credit(id, 1, ids.command()), "BALANCE_LIMIT")
      await expectUnchanged(api, before)
    })
  })

  describe("ALREADY_INVITED", () => {
    it("given an invited email, when it is invited again with another commandId, then ALREADY_INVITED with extensions.customerId of the first invite", async () => {
      const email = ids.email()
      const first = await given.customer(email)
      const extensions = expectRejected(await api.invite(email, ids.command()), "ALREADY_INVITED")
      expect(extensions["customerId"]).toBe(first.id)
    })

    it("given an invited email, when it is invited again upper-cased and padded without a commandId, then ALREADY_INVITED naming the same customer", async () => {
      const email = ids.email()
      const first = await given.customer(email)
      const extensions = expectRejected(await api.invite(`  ${email.toUpperCase()} `), "ALREADY_INVITED")
      expect(extensions["customerId"]).toBe(first.id)
      expect(accepted(await api.customerByEmail(email), "customerByEmail")).toEqual(first)
    })
  })

  describe("checked in this order", () => {
    it("given a wallet that was never opened, when crediting amount 0, then BAD_USER_INPUT (before WALLET_NOT_FOUND)", async () => {
      expectRejected(await api.credit(ids.wallet(), 0, ids.command()), "BAD_USER_INPUT")
    })

    it("given a wallet that was never opened, when debiting with a malformed commandId, then BAD_USER_INPUT (before WALLET_NOT_FOUND)", async () => {
      expectRejected(await api.debit(ids.wallet(), 5, "bad command id"), "BAD_USER_INPUT")
    })

    it("given a credit accepted with commandId c, when c is reused with amount 0, then BAD_USER_INPUT (before IDEMPOTENCY_CONFLICT)", async () => {
      const id = await given.wallet()
      const commandId = ids.command()
      accepted(await api.credit(id, 10, commandId), "credit")
      expectRejected(await api.credit(id, 0, commandId), "BAD_USER_INPUT")
    })

    it("given a debit of 10 accepted with commandId c on a balance of 100, when c is reused to debit 1000, then IDEMPOTENCY_CONFLICT (before INSUFFICIENT_FUNDS)", async () => {
      const id = await given.wallet(100)
      const commandId = ids.command()
      accepted(await api.debit(id, 10, commandId), "debit")
      const before = await snapshot(api, id)
      expectRejected(await api.debit(id, 1000, commandId), "IDEMPOTENCY_CONFLICT")
      await expectUnchanged(api, before)
    })

    it("given a credit accepted with commandId c near the limit, when c is reused with an amount that would pass the limit, then IDEMPOTENCY_CONFLICT (before BALANCE_LIMIT)", async () => {
      const id = await given.wallet(2 * MAX_AMOUNT)
      const commandId = ids.command()
      accepted(await api.credit(id, 100_000_000, commandId), "credit")
      expectRejected(await api.credit(id, MAX_AMOUNT, commandId), "IDEMPOTENCY_CONFLICT")
    })

    it("given a wallet opened with commandId c, when its id is opened again with c and another owner, then IDEMPOTENCY_CONFLICT (before WALLET_EXISTS)", async () => {
      const id = ids.wallet()
      const commandId = ids.command()
      accepted(await api.openWallet({ id, commandId, owner: "first" }), "openWallet")
      expectRejected(await api.openWallet({ id, commandId, owner: "second" }), "IDEMPOTENCY_CONFLICT")
    })

    it("given a credit accepted with commandId c, when c is reused to open the same wallet id, then IDEMPOTENCY_CONFLICT (before WALLET_EXISTS)", async () => {
      const id = await given.wallet()
      const commandId = ids.command()
      accepted(await api.credit(id, 10, commandId), "credit")
      expectRejected(await api.openWallet({ id, commandId }), "IDEMPOTENCY_CONFLICT")
    })
  })
}
