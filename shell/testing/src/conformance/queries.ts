/** The three queries: null for what does not exist, emails compared trimmed and lower-cased, rejected fields. */
import { describe, expect, it } from "vitest"
import { accepted, acceptedNull, expectDateTime, expectRejectedField } from "./expectations"
import type { SuiteContext } from "./given"

export const describeQueries = ({ api, ids }: SuiteContext): void => {
  describe("queries", () => {
    it("given a wallet id that was never opened, when querying wallet(id), then it is null without an error", async () => {
      acceptedNull(await api.wallet(ids.wallet()), "wallet")
    })

    it("given a customer id that is unknown, when querying customer(id), then it is null without an error", async () => {
      acceptedNull(await api.customer(`unknown-${ids.command()}`), "customer")
    })

    it("given an email that was never invited, when querying customerByEmail, then it is null without an error", async () => {
      acceptedNull(await api.customerByEmail(ids.email()), "customerByEmail")
    })

    it("given a customer invited as '  Local@Example.COM ', when querying by the lower-case email and by a padded upper-case one, then both find it, stored trimmed and lower-cased", async () => {
      const local = `alice-${ids.command()}`
      const invited = accepted(await api.invite(`  ${local.toUpperCase()}@Example.COM `, ids.command()), "inviteCustomer")
      const email = `${local}@example.com`
      expect(invited).toMatchObject({ email, invited: true })
      expectDateTime(invited.invitedAt)

      expect(accepted(await api.customerByEmail(email), "customerByEmail")).toEqual(invited)
      expect(accepted(await api.customerByEmail(` ${local.toUpperCase()}@example.com`), "customerByEmail")).toEqual(invited)
      expect(accepted(await api.customer(invited.id), "customer")).toEqual(invited)
    })

    it("given a malformed wallet id, when querying wallet(id), then the field is null with BAD_USER_INPUT", async () => {
      expectRejectedField(await api.wallet("not a wallet id!"), "wallet", "BAD_USER_INPUT")
    })

    // the contract: BAD_USER_INPUT when "an argument breaks the rules above", and the email rule is one of them.
    it("given a malformed email, when querying customerByEmail, then the field is null with BAD_USER_INPUT", async () => {
      expectRejectedField(await api.customerByEmail("not-an-email"), "customerByEmail", "BAD_USER_INPUT")
    })
  })
}
