import { createSchema } from "graphql-yoga"
import { describe, expect, it } from "vitest"
import { inviteCustomer, wallet, type Domain } from "@low/functions"
import { counter } from "@low/functions/test/counter"
import { checkPlaygrounds, graphiqlOptions, graphiqlPage } from "./graphiql"
import { schemaOf } from "./schema"

const run = () => Promise.reject(new Error("not run"))
const schemaFor = (domains: ReadonlyArray<Domain>) => createSchema(schemaOf(domains, run))
const withoutPlayground = ({ playground: _, ...domain }: Domain): Domain => domain

describe("GraphiQL", () => {
  it("given domains with playgrounds, when the options are made, then one tab per domain, in their order", () => {
    expect(graphiqlOptions([wallet, inviteCustomer, counter])).toEqual({
      defaultTabs: [{ query: wallet.playground }, { query: inviteCustomer.playground }, { query: counter.playground }]
    })
    expect(graphiqlOptions([withoutPlayground(wallet), inviteCustomer])).toEqual({
      defaultTabs: [{ query: inviteCustomer.playground }]
    })
  })

  it("given no domain with a playground, when the options are made, then GraphiQL keeps its own default", () => {
    expect(graphiqlOptions([withoutPlayground(wallet)])).toEqual({})
  })

  it("given the domains' playgrounds, when checked against the schema they are served with, then they all match", () => {
    expect(() => checkPlaygrounds(schemaFor([wallet, inviteCustomer, counter]), [wallet, inviteCustomer, counter])).not.toThrow()
    for (const domain of [wallet, inviteCustomer, counter]) expect(domain.playground).toMatch(/^(mutation|query) [A-Z]/m)
  })

  it("given a playground that asks for a field the schema lacks, when checked, then it fails naming the domain", () => {
    const stale: Domain = { ...wallet, playground: "query Richest { richest { id } }" }
    expect(() => checkPlaygrounds(schemaFor([wallet]), [stale])).toThrow(
      'domain wallet: its playground does not match the schema: Cannot query field "richest" on type "Query".'
    )
  })

  it("given a playground that does not parse, when checked, then it fails naming the domain", () => {
    const broken: Domain = { ...wallet, playground: "query {" }
    expect(() => checkPlaygrounds(schemaFor([wallet]), [broken])).toThrow(
      "domain wallet: its playground does not match the schema: Syntax Error"
    )
  })

  it("given the options, when the page is made, then it carries GraphiQL and the tabs and loads nothing from elsewhere", async () => {
    const options = graphiqlOptions([wallet])
    const page = graphiqlPage(options)
    const html = await page()
    expect(await page()).toBe(html)
    expect(html).toContain("YogaGraphiQL.renderYogaGraphiQL(")
    expect(html).toContain(JSON.stringify(options))
    // No <script src>, <link href> or fetch of an absolute URL: styles, script, workers and icon are inline.
    expect(html.match(/\b(src|href)\s*=\s*["']?(https?:)?\/\/[^\s"'>]*/gi) ?? []).toEqual([])
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs|githubusercontent/)
  })
})
