import { inviteCustomer, wallet } from "@low/functions"
import { counter } from "@low/functions/test/counter"

/** The domains this project serves. */
export const domains = [wallet, inviteCustomer]

/** The domains its tests serve: these, and the example domains of the guides. */
export const testDomains = [...domains, counter]
