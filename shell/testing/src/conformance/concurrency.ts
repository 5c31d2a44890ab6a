/**
 * Concurrency: "never overdraw" and "email invited once" under simultaneous requests. All requests are started
 * before any is awaited; Node's fetch (undici) has no per-origin connection cap, so they really are in flight
 * together. Each carries its own commandId so a transient UNAVAILABLE/TIMEOUT may be retried safely.
 */
import { describe, expect, it } from "vitest"
import { errorCode, errorExtensions } from "../graphql-client"
import { accepted, allTransactions, expectConsistentHistory, tally } from "./expectations"
import type { SuiteContext } from "./given"

const HEAVY = { timeout: 120_000 }

export const describeConcurrency = ({ api, ids, given }: SuiteContext): void => {
  describe("concurrency", () => {
    it(
      "given a balance of 500, when 1000 debits of 1 arrive at once, then exactly 500 succeed, 500 are INSUFFICIENT_FUNDS, and the balance never goes below 0",
      HEAVY,
      async () => {
        const id = await given.wallet(500)
        const commandIds = Array.from({ length: 1000 }, () => ids.command())
        const outcomes = await Promise.all(
          commandIds.map(async (commandId) => ({ commandId, response: await api.debit(id, 1, commandId) }))
        )
        const responses = outcomes.map((outcome) => outcome.response)

        expect(tally(responses.map((response) => errorCode(response) ?? "OK"))).toEqual({ OK: 500, INSUFFICIENT_FUNDS: 500 })
        // A refused debit of 1 means the balance was 0 when it was decided, if debits truly serialize.
        for (const response of responses.filter((r) => errorCode(r) !== undefined)) {
          expect(response.body.data ?? null).toBeNull()
          expect(errorExtensions(response)).toMatchObject({ balance: 0, amount: 1 })
        }

        expect(accepted(await api.wallet(id), "wallet")).toMatchObject({ balance: 0, version: 502 })
        const history = await allTransactions(api, id)
        expect(history).toHaveLength(501)
        expectConsistentHistory(history, 0)
        const debits = history.filter((t) => t.kind === "DEBIT")
        expect(debits).toHaveLength(500)
        // The debits written are exactly the ones that were answered with success.
        const succeeded = outcomes.filter((outcome) => errorCode(outcome.response) === undefined).map((o) => o.commandId)
        expect(new Set(debits.map((t) => t.commandId))).toEqual(new Set(succeeded))
      }
    )

    it(
      "given one email in 50 spellings of case and padding, when all are invited at once, then exactly one succeeds and 49 are ALREADY_INVITED naming that customer",
      HEAVY,
      async () => {
        const email = ids.email("race")
        const spellings = Array.from({ length: 50 }, (_, i) => {
          // Bit j % 5 of i decides whether character j is upper-cased: 32 casings, repeated with other padding.
          const cased = [...email].map((c, j) => ((i >> (j % 5)) & 1 ? c.toUpperCase() : c)).join("")
          return `${" ".repeat(i % 3)}${cased}${" ".repeat(i % 4)}`
        })
        const responses = await Promise.all(spellings.map((spelling) => api.invite(spelling, ids.command())))

        expect(tally(responses.map((response) => errorCode(response) ?? "OK"))).toEqual({ OK: 1, ALREADY_INVITED: 49 })
        const winner = responses.map((response) => response.body.data?.inviteCustomer).find((customer) => customer != null)
        expect(winner).toMatchObject({ email, invited: true })
        const named = new Set(responses.filter((r) => errorCode(r) !== undefined).map((r) => errorExtensions(r)["customerId"]))
        expect(named).toEqual(new Set([winner?.id]))
        expect(accepted(await api.customerByEmail(email), "customerByEmail").id).toBe(winner?.id)
      }
    )
  })
}
