/**
 * BAD_USER_INPUT, rule by rule: "an argument breaks the rules above, amount < 1 or > 1000000000, first outside
 * 1..100, or an after cursor not issued for this wallet; nothing written".
 */
import { describe, expect, it } from "vitest"
import { accepted, acceptedNull, expectNoWallet, expectRejected, expectRejectedField, expectUnchanged, snapshot } from "./expectations"
import { MAX_AMOUNT } from "./fixtures"
import type { SuiteContext } from "./given"

/** Values that break "1..64 chars of [A-Za-z0-9_.:-]"; an empty string is present, so it is not "absent". */
const BAD_IDS = [
  { label: "no characters", value: "" },
  { label: "65 characters", value: "a".repeat(65) },
  { label: "a space", value: "has space" },
  { label: "a slash", value: "a/b" },
  { label: "a non-ASCII letter", value: "wället" },
  { label: "an @", value: "a@b" }
]

const BAD_AMOUNTS = [
  { label: "0", value: 0 },
  { label: "-1", value: -1 },
  { label: "-1000000000", value: -MAX_AMOUNT },
  { label: "1000000001", value: MAX_AMOUNT + 1 },
  { label: "2147483647", value: 2_147_483_647 }
]

/** An email of exactly `length` characters whose labels stay short enough for any sane validator. */
const emailOfLength = (stem: string, length: number): string => {
  const local = stem.padEnd(40, "l")
  const tail = ".example.com"
  let head = ""
  const headLength = length - local.length - 1 - tail.length
  // A dot every 61 characters keeps DNS labels under 64, never at either end of the head.
  while (head.length < headLength) head += head.length % 61 === 60 && head.length < headLength - 1 ? "." : "d"
  return `${local}@${head}${tail}`
}

export const describeBadInput = ({ api, ids, given }: SuiteContext): void => {
  describe("BAD_USER_INPUT", () => {
    describe("wallet ids", () => {
      it.each(BAD_IDS)("given a wallet id with $label, when opening a wallet with it, then BAD_USER_INPUT", async ({ value }) => {
        expectRejected(await api.openWallet({ id: value, commandId: ids.command() }), "BAD_USER_INPUT")
      })
      it.each(BAD_IDS)(
        "given a wallet id with $label, when crediting it, then BAD_USER_INPUT (not WALLET_NOT_FOUND)",
        async ({ value }) => {
          expectRejected(await api.credit(value, 10, ids.command()), "BAD_USER_INPUT")
        }
      )
      it.each(BAD_IDS)("given a wallet id with $label, when debiting it, then BAD_USER_INPUT (not WALLET_NOT_FOUND)", async ({ value }) => {
        expectRejected(await api.debit(value, 10, ids.command()), "BAD_USER_INPUT")
      })
      it.each(BAD_IDS)(
        "given a wallet id with $label, when querying wallet(id), then the field is null with BAD_USER_INPUT",
        async ({ value }) => {
          expectRejectedField(await api.wallet(value), "wallet", "BAD_USER_INPUT")
        }
      )
    })

    describe("commandIds", () => {
      it.each(BAD_IDS)(
        "given a commandId with $label, when opening a fresh wallet id, then BAD_USER_INPUT and no wallet exists",
        async ({ value }) => {
          const id = ids.wallet()
          expectRejected(await api.openWallet({ id, commandId: value }), "BAD_USER_INPUT")
          await expectNoWallet(api, id)
        }
      )
      it.each(BAD_IDS)(
        "given a commandId with $label, when crediting, then BAD_USER_INPUT and the wallet is unchanged",
        async ({ value }) => {
          const before = await snapshot(api, await given.wallet(100))
          expectRejected(await api.credit(before.id, 10, value), "BAD_USER_INPUT")
          await expectUnchanged(api, before)
        }
      )
      it.each(BAD_IDS)(
        "given a commandId with $label, when debiting, then BAD_USER_INPUT and the wallet is unchanged",
        async ({ value }) => {
          const before = await snapshot(api, await given.wallet(100))
          expectRejected(await api.debit(before.id, 10, value), "BAD_USER_INPUT")
          await expectUnchanged(api, before)
        }
      )
      it.each(BAD_IDS)(
        "given a commandId with $label, when inviting, then BAD_USER_INPUT and the email is not invited",
        async ({ value }) => {
          const email = ids.email()
          expectRejected(await api.invite(email, value), "BAD_USER_INPUT")
          acceptedNull(await api.customerByEmail(email), "customerByEmail")
        }
      )
    })

    describe("amounts", () => {
      it.each(BAD_AMOUNTS)("given amount $label, when crediting, then BAD_USER_INPUT and the wallet is unchanged", async ({ value }) => {
        const before = await snapshot(api, await given.wallet(1000))
        expectRejected(await api.credit(before.id, value, ids.command()), "BAD_USER_INPUT")
        await expectUnchanged(api, before)
      })
      it.each(BAD_AMOUNTS)("given amount $label, when debiting, then BAD_USER_INPUT and the wallet is unchanged", async ({ value }) => {
        const before = await snapshot(api, await given.wallet(1000))
        expectRejected(await api.debit(before.id, value, ids.command()), "BAD_USER_INPUT")
        await expectUnchanged(api, before)
      })
      it("given amount 1000000000 (the largest), when crediting and then debiting it, then both are accepted", async () => {
        const id = await given.wallet()
        expect(accepted(await api.credit(id, MAX_AMOUNT, ids.command()), "credit").balance).toBe(MAX_AMOUNT)
        expect(accepted(await api.debit(id, MAX_AMOUNT, ids.command()), "debit").balance).toBe(0)
      })
    })

    describe("owners", () => {
      const BAD_OWNERS = [
        { label: "empty", value: "" },
        { label: "all spaces", value: "     " },
        { label: "201 characters", value: "o".repeat(201) }
      ]
      it.each(BAD_OWNERS)(
        "given an owner that is $label, when opening a wallet, then BAD_USER_INPUT and no wallet exists",
        async ({ value }) => {
          const id = ids.wallet()
          expectRejected(await api.openWallet({ id, owner: value, commandId: ids.command() }), "BAD_USER_INPUT")
          await expectNoWallet(api, id)
        }
      )
    })

    describe("emails", () => {
      const stem = `bad-${ids.run}`
      const BAD_EMAILS = [
        { label: "no @", value: `${stem}.example.com` },
        { label: "two @", value: `${stem}@b@example.com` },
        { label: "no dot in the domain", value: `${stem}@localhost` },
        { label: "a space inside", value: `${stem} x@example.com` },
        { label: "a tab inside", value: `${stem}@exam\tple.com` },
        { label: "an empty local part", value: "@example.com" },
        { label: "nothing but spaces", value: "    " },
        { label: "no characters", value: "" },
        { label: "255 characters after trimming", value: `  ${emailOfLength(stem, 255)}  ` }
      ]
      it.each(BAD_EMAILS)("given an email with $label, when inviting, then BAD_USER_INPUT", async ({ value }) => {
        expectRejected(await api.invite(value, ids.command()), "BAD_USER_INPUT")
      })

      it("given an email of 254 characters after trimming, when inviting it padded with spaces, then it is accepted and stored trimmed", async () => {
        const email = emailOfLength(`ok-${ids.run}-${ids.command()}`, 254)
        expect(email).toHaveLength(254)
        expect(accepted(await api.invite(`  ${email} `, ids.command()), "inviteCustomer").email).toBe(email)
      })
    })

    describe("pages", () => {
      it.each([0, 101, -1])("given first %i, when querying transactions, then wallet is null with BAD_USER_INPUT", async (first) => {
        const id = await given.wallet(10)
        expectRejectedField(await api.wallet(id, { first }), "wallet", "BAD_USER_INPUT")
      })

      it.each([
        { label: "garbage", value: "not-a-cursor" },
        { label: "empty", value: "" }
      ])("given an after cursor that is $label, when querying transactions, then wallet is null with BAD_USER_INPUT", async ({ value }) => {
        const id = await given.wallet(10)
        expectRejectedField(await api.wallet(id, { first: 1, after: value }), "wallet", "BAD_USER_INPUT")
      })

      it("given a cursor issued for another wallet with the same history, when passing it as after, then wallet is null with BAD_USER_INPUT", async () => {
        // Identical histories, so a cursor that only encodes a position or an index would wrongly pass.
        const issuer = await given.wallet()
        const other = await given.wallet()
        for (const id of [issuer, other]) {
          await given.credited(id, 1)
          await given.credited(id, 2)
          await given.credited(id, 3)
        }
        const cursor = accepted(await api.wallet(issuer, { first: 1 }), "wallet").transactions.nextCursor
        expect(cursor).not.toBeNull()
        expectRejectedField(await api.wallet(other, { first: 1, after: cursor ?? "" }), "wallet", "BAD_USER_INPUT")
      })
    })
  })
}
