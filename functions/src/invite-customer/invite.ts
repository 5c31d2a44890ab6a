import { Data, Effect, Either, Option, Schema } from "effect"
import { Email } from "../inputs"
import { UniqueIndex } from "../ports"
import { View, type Envelope, type EventHandler, type Projector } from "../protocol"
import { appendWithState, claim } from "../write"

export const InviteCustomer = Schema.TaggedStruct("InviteCustomer", { email: Email })
export type InviteCustomer = typeof InviteCustomer.Type

export const CustomerInvited = Schema.TaggedStruct("CustomerInvited", { customerId: Schema.String, email: Schema.String })
export type CustomerInvited = typeof CustomerInvited.Type

export class AlreadyInvited extends Data.TaggedError("AlreadyInvited")<{ readonly email: string; readonly customerId: string }> {}

export const CustomerState = Schema.Struct({ customerId: Schema.String, email: Schema.String })
export type CustomerState = typeof CustomerState.Type

/** The unique index that keeps an email to one customer, across every instance. */
export const emailIndex = "customer-email"
export const customersView = "customers"
export const customersByEmailView = "customers-by-email"

/** The customer already invited with this email, if any. */
export type InviteLookup = Option.Option<string>

/** Decides an invitation; the new customer's id comes from the envelope. */
export const operate = (
  { email }: InviteCustomer,
  invitedAs: InviteLookup,
  { freshId }: Envelope
): Either.Either<ReadonlyArray<CustomerInvited>, AlreadyInvited> =>
  Option.match(invitedAs, {
    onSome: (customerId) => Either.left(new AlreadyInvited({ email, customerId })),
    onNone: () => Either.right([{ _tag: "CustomerInvited", customerId: freshId, email }] as const)
  })

const write = (_command: InviteCustomer, _looked: InviteLookup, events: ReadonlyArray<CustomerInvited>) =>
  Effect.forEach(
    events,
    ({ customerId, email }) =>
      Effect.zipRight(
        claim(emailIndex, email, customerId),
        appendWithState(`customer-${customerId}`, 0, events, CustomerState, { customerId, email })
      ),
    { discard: true }
  )

export const inviteHandler: EventHandler<InviteCustomer, InviteLookup, CustomerInvited, AlreadyInvited> = {
  name: "invite-customer",
  reads: "customer-commands",
  writes: "customer-events",
  command: InviteCustomer,
  event: CustomerInvited,
  entity: (command) => command.email,
  lookup: ({ email }) => Effect.flatMap(UniqueIndex, (index) => index.get(emailIndex, email)),
  operate,
  write
}

export const customerProjector: Projector<CustomerInvited> = {
  name: "customers",
  reads: "customer-events",
  project: ({ event: { customerId, email }, at }) => {
    const doc = { id: customerId, email, invited: true, invitedAt: at }
    return [View.put(customersView, customerId, doc), View.put(customersByEmailView, email, doc)]
  }
}
