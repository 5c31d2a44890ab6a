import { inviteCustomer, transfer, wallet } from "@low/functions"

/** The domains this project serves. */
export const domains = [wallet, inviteCustomer, transfer]
