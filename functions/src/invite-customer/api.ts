import { Schema } from "effect"
import { mutation, query, type Api, type ErrorTable, type Example } from "../domain"
import { Email } from "../inputs"
import { customersByEmailView, customersView, InviteCustomer, inviteHandler, type AlreadyInvited } from "./invite"

/** The invite-customer part of the GraphQL contract, word for word. */
const schema = `
type Query {
  "The customer with this id; null when unknown."
  customer(id: ID!): Customer
  "The customer invited with this email (compared trimmed and lower-cased); null when none."
  customerByEmail(email: String!): Customer
}

type Mutation {
  "Invites a customer by email; ALREADY_INVITED when that email was invited before."
  inviteCustomer(email: String!, commandId: ID): Customer!
}

type Customer {
  id: ID!
  "Trimmed and lower-cased."
  email: String!
  invited: Boolean!
  invitedAt: DateTime!
}
`

export const inviteExamples: ReadonlyArray<Example> = [
  {
    name: "an email is invited once, however it is spelled",
    steps: (run) => [
      {
        query: "mutation ($email: String!) { inviteCustomer(email: $email) { email invited } }",
        variables: { email: ` Ann.${run}@Example.com ` },
        data: { inviteCustomer: { email: `ann.${run}@example.com`.toLowerCase(), invited: true } }
      },
      {
        query: "mutation ($email: String!) { inviteCustomer(email: $email) { email } }",
        variables: { email: `ann.${run}@example.com` },
        code: "ALREADY_INVITED"
      }
    ]
  }
]

export const inviteApi: Api = {
  schema,
  mutations: {
    inviteCustomer: mutation({
      handler: inviteHandler,
      command: InviteCustomer,
      input: ({ email }) => ({ _tag: "InviteCustomer", email }),
      view: customersByEmailView,
      key: (command) => command.email
    })
  },
  queries: {
    customer: query({ args: Schema.Struct({ id: Schema.String }), view: customersView, key: ({ id }) => id }),
    customerByEmail: query({ args: Schema.Struct({ email: Email }), view: customersByEmailView, key: ({ email }) => email })
  }
}

/** The contract's code for each rejection of an invitation. */
export const inviteErrors: ErrorTable<AlreadyInvited> = {
  AlreadyInvited: (e) => ({ code: "ALREADY_INVITED", message: `${e.email} was invited before.`, extensions: { customerId: e.customerId } })
}

/** For GraphiQL: an invitation, then the customer looked up by its email however it is spelled. */
export const invitePlayground = `# Customers: put the cursor in an operation and press
# Ctrl+Enter (or pick one with the run button).
# Invite a customer by email, then look it up, however
# the email is spelled. The same email again:
# ALREADY_INVITED.

mutation InviteCustomer {
  inviteCustomer(email: "ann@example.com") {
    id
    email
    invited
    invitedAt
  }
}

query CustomerByEmail {
  customerByEmail(email: " Ann@Example.com ") {
    id
    email
    invited
    invitedAt
  }
}
`
