import { describe, expect, it } from "vitest"
import { inviteCustomer, wallet, type Domain } from "@low/functions"
import { schemaOf } from "./schema"

const run = () => Promise.reject(new Error("not run"))
const build = (domains: ReadonlyArray<Domain>) => () => schemaOf(domains, run)

describe("the schema of a list of domains", () => {
  it("given the wallet and invite-customer domains, when built, then every root field of their slices has a resolver", () => {
    const { resolvers } = schemaOf([wallet, inviteCustomer], run)
    expect(Object.keys(resolvers["Query"] ?? {})).toEqual(["wallet", "customer", "customerByEmail"])
    expect(Object.keys(resolvers["Mutation"] ?? {})).toEqual(["openWallet", "credit", "debit", "inviteCustomer"])
    expect(Object.keys(resolvers["Wallet"] ?? {})).toEqual(["transactions"])
  })

  it("given a slice that declares a query no route serves, when built, then it fails naming the field", () => {
    const declared: Domain = { ...wallet, api: { ...wallet.api, schema: `${wallet.api.schema}\ntype Query { richest: Wallet }` } }
    expect(build([declared])).toThrow("domain wallet: Query.richest is declared but has no query to serve it")
  })

  it("given a route for a field the slice does not declare, when built, then it fails naming the field", () => {
    const extra: Domain = { ...wallet, api: { ...wallet.api, queries: { ...wallet.api.queries, richest: wallet.api.queries!["wallet"]! } } }
    expect(build([extra])).toThrow("domain wallet: Query.richest is served but its schema slice does not declare it")
  })

  it("given a mutation whose handler the domain does not list, when built, then it fails naming the handler", () => {
    const orphan: Domain = { ...wallet, handlers: [] }
    expect(build([orphan])).toThrow("Mutation.openWallet sends commands to wallet, which is not among its handlers")
  })

  it("given a view the domain does not declare, when built, then it fails naming the view", () => {
    expect(build([{ ...wallet, views: [] }])).toThrow('reads the view "wallets", which is not among its views')
  })

  it("given a rejection named like one the shell answers, when built, then it fails", () => {
    const clash: Domain = { ...wallet, errors: { ...wallet.errors, Timeout: () => ({ code: "SLOW", message: "slow" }) } }
    expect(build([clash])).toThrow("domain wallet: the rejection Timeout takes a name the shell answers itself")
  })

  it("given two domains serving the same field, when built, then it fails naming both", () => {
    expect(build([wallet, { ...wallet, name: "wallet-again" }])).toThrow(
      /^domain wallet-again: [A-Za-z]+\.[A-Za-z]+ is served by the domain wallet already$/
    )
  })
})
