/** openWallet: with an id, with a server-made id, with an id derived from the commandId. */
import { describe, expect, it } from "vitest"
import { accepted, ID_RULE } from "./expectations"
import type { SuiteContext } from "./given"

export const describeOpenWallet = ({ api, ids }: SuiteContext): void => {
  describe("openWallet", () => {
    it("given a fresh id, when opening a wallet with it, then the wallet has that id, the owner, balance 0, version 1 and no transactions", async () => {
      const id = ids.wallet()
      const opened = accepted(await api.openWallet({ id, owner: "Grace Hopper" }), "openWallet")
      expect(opened).toEqual({ id, owner: "Grace Hopper", balance: 0, version: 1 })

      const wallet = accepted(await api.wallet(id), "wallet")
      expect(wallet).toEqual({ ...opened, transactions: { items: [], nextCursor: null } })
    })

    it("given no id and no commandId, when opening two wallets, then the server makes two different ids that obey the id rule", async () => {
      const first = accepted(await api.openWallet(), "openWallet")
      const second = accepted(await api.openWallet(), "openWallet")
      expect(first.id).toMatch(ID_RULE)
      expect(second.id).toMatch(ID_RULE)
      expect(second.id).not.toBe(first.id)
      expect(first).toMatchObject({ balance: 0, version: 1 })
      expect(accepted(await api.wallet(first.id), "wallet")).toMatchObject({ id: first.id, balance: 0, version: 1 })
    })

    it("given no id but a commandId, when opening, then the id obeys the id rule and another commandId gives another wallet", async () => {
      const first = accepted(await api.openWallet({ commandId: ids.command() }), "openWallet")
      const second = accepted(await api.openWallet({ commandId: ids.command() }), "openWallet")
      expect(first.id).toMatch(ID_RULE)
      expect(second.id).not.toBe(first.id)
      expect(first).toMatchObject({ balance: 0, version: 1 })
    })

    it("given a wallet opened with a commandId and no id, when the open is retried with the same commandId, then the same wallet is returned and nothing new is opened", async () => {
      const commandId = ids.command()
      const opened = accepted(await api.openWallet({ commandId }), "openWallet")
      const retried = accepted(await api.openWallet({ commandId }), "openWallet")
      expect(retried).toEqual(opened)
      expect(accepted(await api.wallet(opened.id), "wallet")).toMatchObject({ version: 1, balance: 0 })
    })

    it("given a wallet opened with a commandId and no id and then credited, when the open is retried, then it returns the current view", async () => {
      const commandId = ids.command()
      const opened = accepted(await api.openWallet({ commandId }), "openWallet")
      accepted(await api.credit(opened.id, 70, ids.command()), "credit")
      const retried = accepted(await api.openWallet({ commandId }), "openWallet")
      expect(retried).toEqual({ ...opened, balance: 70, version: 2 })
    })

    it("given an owner of 200 characters padded with spaces, when opening, then it is accepted (the limit counts after trimming)", async () => {
      const owner = "o".repeat(200)
      const opened = accepted(await api.openWallet({ id: ids.wallet(), owner: `   ${owner}  ` }), "openWallet")
      // the contract bounds the owner after trimming but does not say the stored owner is trimmed.
      expect(opened.owner.trim()).toBe(owner)
    })

    it("given an id of 64 characters using every allowed kind of character, when opening, then it is accepted", async () => {
      const stem = `${ids.wallet()}_A.z:9-`
      const id = stem + "x".repeat(64 - stem.length)
      expect(id).toHaveLength(64)
      expect(accepted(await api.openWallet({ id }), "openWallet").id).toBe(id)
      expect(accepted(await api.wallet(id), "wallet").id).toBe(id)
    })
  })
}
