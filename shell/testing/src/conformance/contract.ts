/** The schema promise: every part of the contract is served word for word (a project may add to it). */
import { readFileSync } from "node:fs"
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  Kind,
  lexicographicSortSchema,
  parse,
  print,
  printSchema,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
  type IntrospectionQuery
} from "graphql"
import { describe, expect, it } from "vitest"
import { gql } from "../graphql-client"
import type { SuiteContext } from "./given"

/** The contract, as the team agreed it. */
export const contractText = readFileSync(new URL("./api.graphql", import.meta.url), "utf8")

const nameOf = (node: DefinitionNode) => ("name" in node && node.name !== undefined ? node.name.value : "")

/** The contract's part that only the transfer domain serves. */
const transferNames = new Set(["Transfer", "TransferStatus", "Query.transfer", "Mutation.transfer"])

/** A schema as sorted SDL, parsed: comparable definition by definition, field by field. */
const sdlOf = (schema: GraphQLSchema): DocumentNode => parse(printSchema(lexicographicSortSchema(schema)))

/** The definitions and fields of `document` that the contract names, in the same printed form for both sides. */
const restrictTo = (document: DocumentNode, names: ReadonlySet<string>): string =>
  print({
    ...document,
    definitions: document.definitions
      .filter((node) => names.has(nameOf(node)))
      .map((node) =>
        node.kind === Kind.OBJECT_TYPE_DEFINITION
          ? { ...node, fields: (node.fields ?? []).filter((field) => names.has(`${nameOf(node)}.${field.name.value}`)) }
          : node
      )
  })

/** Every type and object field the contract names, but those in `left`. */
const contractNames = (document: DocumentNode, left: ReadonlySet<string>) => {
  const names = new Set<string>()
  for (const node of document.definitions) {
    if (left.has(nameOf(node))) continue
    names.add(nameOf(node))
    if (node.kind === Kind.OBJECT_TYPE_DEFINITION)
      for (const field of node.fields ?? []) {
        const name = `${nameOf(node)}.${field.name.value}`
        if (!left.has(name)) names.add(name)
      }
  }
  return names
}

export const describeContract = ({ url }: SuiteContext, { transfers }: { readonly transfers: boolean }): void => {
  describe("the schema", () => {
    it("given the served schema, when introspected, then every type, field, argument and description of the contract is served as written", async () => {
      const response = await gql<IntrospectionQuery>(url(), getIntrospectionQuery())
      expect(response.body.errors).toBeUndefined()
      const served = sdlOf(buildClientSchema(response.body.data!))
      const contract = sdlOf(buildSchema(contractText))
      const names = contractNames(contract, transfers ? new Set() : transferNames)
      expect(restrictTo(served, names)).toBe(restrictTo(contract, names))
    })
  })
}
