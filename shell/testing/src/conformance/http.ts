/** The HTTP promises: a mutation over GET is refused and executes nothing; GET /healthz answers 200. */
import { describe, expect, it } from "vitest"
import { gqlGet } from "../graphql-client"
import { expectNoWallet } from "./expectations"
import { documents } from "./fixtures"
import type { SuiteContext } from "./given"

export const describeHttp = ({ url, api, ids }: SuiteContext): void => {
  describe("HTTP", () => {
    it("given a mutation sent over GET, when the server answers, then it is a 4xx and the wallet it would open does not exist", async () => {
      const id = ids.wallet()
      const answer = await gqlGet(url(), documents.OPEN_WALLET, { owner: "over GET", id, commandId: ids.command() })
      // 405 is preferred, any 4xx conforms.
      expect(answer.status, answer.text).toBeGreaterThanOrEqual(400)
      expect(answer.status, answer.text).toBeLessThan(500)
      await expectNoWallet(api, id)
    })

    it("given the server, when GET /healthz on the same host, then it answers 200", async () => {
      const response = await fetch(new URL("/healthz", url()))
      expect(response.status, await response.text()).toBe(200)
    })
  })
}
