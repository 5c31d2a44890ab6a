/**
 * "Given" steps: bring a fresh entity into a known state through the public API only, asserting each step, so a
 * test's "when" starts from a fact rather than a hope.
 */
import { MAX_AMOUNT, type Conformance, type CustomerView } from "./fixtures"
import { accepted } from "./expectations"

export const makeGiven = ({ api, ids }: Pick<Conformance, "api" | "ids">) => {
  /** Credits an existing wallet, in as many commands as MAX_AMOUNT requires. */
  const credited = async (walletId: string, amount: number): Promise<void> => {
    for (let left = amount; left > 0; left -= MAX_AMOUNT) {
      accepted(await api.credit(walletId, Math.min(left, MAX_AMOUNT), ids.command()), "credit")
    }
  }

  return {
    credited,
    /** Opens a wallet with a fresh id, credits it to `balance` (0 means no credit), and returns its id. */
    wallet: async (balance = 0): Promise<string> => {
      const id = ids.wallet()
      accepted(await api.openWallet({ id, commandId: ids.command() }), "openWallet")
      await credited(id, balance)
      return id
    },
    /** Invites a fresh email and returns the customer. */
    customer: async (email = ids.email()): Promise<CustomerView> => accepted(await api.invite(email, ids.command()), "inviteCustomer")
  }
}
export type Given = ReturnType<typeof makeGiven>

/** Everything a conformance file needs. */
export interface SuiteContext extends Conformance {
  readonly given: Given
}
