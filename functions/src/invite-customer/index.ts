import { defineDomain } from "../domain"
import { inviteApi, inviteErrors, inviteExamples, invitePlayground } from "./api"
import { customerProjector, customersByEmailView, customersView, inviteHandler } from "./invite"

/** Customers invited by email, each email once. */
export const inviteCustomer = defineDomain({
  name: "invite-customer",
  handlers: [inviteHandler],
  projectors: [customerProjector],
  views: [customersView, customersByEmailView],
  api: inviteApi,
  errors: inviteErrors,
  examples: inviteExamples,
  playground: invitePlayground
})
