import { describe, expect, it } from "vitest"
import { createSchema, createYoga, type Plugin } from "graphql-yoga"
import { useDocumentCache } from "./document-cache"

/** A server of one field, counting how often a document is really validated. */
const server = (chars?: number) => {
  let validated = 0
  const counting: Plugin = {
    onValidate: ({ validateFn, setValidationFn }) =>
      setValidationFn((...args: Parameters<typeof validateFn>) => (validated++, validateFn(...args)))
  }
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: "type Query { hello(name: String!): String! }",
      resolvers: { Query: { hello: (_: unknown, { name }: { name: string }) => `hello ${name}` } }
    }),
    parserAndValidationCache: false,
    plugins: [counting, useDocumentCache(chars)],
    logging: false
  })
  const ask = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables })
    })
    return response.json() as Promise<{ data?: unknown; errors?: ReadonlyArray<{ message: string }> }>
  }
  return { ask, validated: () => validated }
}

const hello = "query Hello($name: String!) { hello(name: $name) }"

describe("document cache", () => {
  it("given a valid document, when it comes again with other variables, then it is answered anew but validated once", async () => {
    const { ask, validated } = server()
    expect(await ask(hello, { name: "Ann" })).toStrictEqual({ data: { hello: "hello Ann" } })
    expect(await ask(hello, { name: "Bob" })).toStrictEqual({ data: { hello: "hello Bob" } })
    expect(validated()).toBe(1)
  })

  it("given an invalid document, when it comes again, then each answer carries the validation error", async () => {
    const { ask, validated } = server()
    for (let i = 0; i < 2; i++) {
      const answer = await ask("{ goodbye }")
      expect(answer.errors?.[0]?.message).toContain('Cannot query field "goodbye"')
    }
    expect(validated()).toBe(2)
  })

  it("given texts past the bound, when the one not asked for since comes again, then it is parsed and validated again and answered", async () => {
    const documents = ["a", "b", "c"].map((n) => `{ hello(name: "${n}") }`)
    const { ask, validated } = server(2 * documents[0]!.length)
    await ask(documents[0]!)
    await ask(documents[1]!)
    await ask(documents[0]!) // a is now the most recently used: c pushes b out
    await ask(documents[2]!)
    expect(validated()).toBe(3)
    expect(await ask(documents[0]!)).toStrictEqual({ data: { hello: "hello a" } })
    expect(validated()).toBe(3)
    expect(await ask(documents[1]!)).toStrictEqual({ data: { hello: "hello b" } })
    expect(validated()).toBe(4)
  })

  it("given a document longer than the whole bound, when it comes twice, then it is answered both times and never kept", async () => {
    const long = `{ hello(name: "${"x".repeat(100)}") }`
    const { ask, validated } = server(50)
    for (let i = 0; i < 2; i++) expect(await ask(long)).toStrictEqual({ data: { hello: `hello ${"x".repeat(100)}` } })
    expect(validated()).toBe(2)
  })
})
