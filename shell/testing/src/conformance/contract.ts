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

/** Every type and object field the contract names. */
const contractNames = (document: DocumentNode) => {
  const names = new Set<string>()
  for (const node of document.definitions) {
    names.add(nameOf(node))
    if (node.kind === Kind.OBJECT_TYPE_DEFINITION)
      for (const field of node.fields ?? []) {
        names.add(`${nameOf(node)}.${field.name.value}`)
      }
  }
  return names
}

export const describeContract = ({ url }: SuiteContext): void => {
  describe("the schema", () => {
    it("given the served schema, when introspected, then every type, field, argument and description of the contract is served as written", async () => {
      const response = await gql<IntrospectionQuery>(url(), getIntrospectionQuery())
      expect(response.body.errors).toBeUndefined()
      const served = sdlOf(buildClientSchema(response.body.data!))
      const contract = sdlOf(buildSchema(contractText))
      const names = contractNames(contract)
      expect(restrictTo(served, names)).toBe(restrictTo(contract, names))
    })
  })
}
