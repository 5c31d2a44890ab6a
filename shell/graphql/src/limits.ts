import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor"
import { Schema } from "effect"
import type { GraphQLArmorRejectCallback } from "@escape.tech/graphql-armor-types"
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type ValidationRule,
  type ValueNode,
  visit
} from "graphql"
import { type ComplexityEstimator, getComplexity, simpleEstimator } from "graphql-query-complexity"
import type { GraphQLParams, Plugin } from "graphql-yoga"
import type { Domain } from "@low/functions"
import type { DocumentLimits } from "./config"

/** The code of every document refused by a limit, with `extensions.limit` naming which. */
export const tooComplex = "QUERY_TOO_COMPLEX"

const refused = (limit: keyof DocumentLimits, message: string) =>
  new GraphQLError(message, { extensions: { code: tooComplex, limit, http: { status: 400 } } })

/** GraphQL Armor's rejection, thrown again with this server's code in place of its "Syntax Error:" prefix. */
const rethrownAs =
  (limit: keyof DocumentLimits): GraphQLArmorRejectCallback =>
  (_context, error) => {
    throw refused(limit, error.message.replace(/^Syntax Error: /, ""))
  }

/** Arguments that say how many items a list field returns (the Relay convention). */
const listSizes = new Set(["first", "last"])

/**
 * A list field costs its selection times the number of items asked for; every other field costs 1 (simpleEstimator).
 * A domain's paged field whose `first` breaks its page size rule fetches nothing (it answers BAD_USER_INPUT), so it
 * costs 1: the limit never answers in place of the contract's own code.
 */
const listSize =
  (pageSizes: ReadonlyMap<string, (first: unknown) => boolean>): ComplexityEstimator =>
  ({ type, field, args, childComplexity }) => {
    const valid = pageSizes.get(`${type.name}.${field.name}`)
    for (const name of listSizes) {
      const size = args[name]
      if (typeof size !== "number") continue
      if (valid !== undefined && !valid(size)) return 1
      return Math.max(size, 0) * Math.max(childComplexity, 1)
    }
  }

/** Each paged field's page size rule, by `Type.field`. */
const pageSizesOf = (domains: ReadonlyArray<Domain>) =>
  new Map(
    domains.flatMap((domain) =>
      Object.entries(domain.api.pages ?? {}).flatMap(([type, fields]) =>
        Object.entries(fields).map(([field, page]) => [`${type}.${field}`, Schema.is(page.first)] as const)
      )
    )
  )

/**
 * Whether the cost of `document` depends on its variables: a list whose size is one, or a directive (`@include`,
 * `@skip`) whose argument uses one, since the cost counts only what the variables let through.
 */
const costDependsOnVariables = (document: DocumentNode) => {
  let found = false
  const usesVariable = (value: ValueNode) => {
    visit(value, {
      Variable() {
        found = true
      }
    })
  }
  visit(document, {
    Argument(argument) {
      if (listSizes.has(argument.name.value)) usesVariable(argument.value)
    },
    Directive(directive) {
      for (const argument of directive.arguments ?? []) usesVariable(argument.value)
    }
  })
  return found
}

const operationsOf = (document: DocumentNode) =>
  document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)

/** At most `max` root fields in a mutation: each is a command, run one after the other. */
const maxMutationFields =
  (max: number): ValidationRule =>
  (context) => ({
    OperationDefinition(operation) {
      if (operation.operation !== "mutation") return
      const count = (selections: OperationDefinitionNode["selectionSet"]["selections"], seen: Set<string>): number =>
        selections.reduce((sum, selection) => {
          if (selection.kind === Kind.FIELD) return sum + 1
          if (selection.kind === Kind.INLINE_FRAGMENT) return sum + count(selection.selectionSet.selections, seen)
          const fragment = context.getFragment(selection.name.value)
          if (!fragment || seen.has(fragment.name.value)) return sum
          return sum + count(fragment.selectionSet.selections, new Set([...seen, fragment.name.value]))
        }, 0)
      const fields = count(operation.selectionSet.selections, new Set())
      if (fields > max) context.reportError(refused("maxMutationFields", `Mutation fields limit of ${max} exceeded, found ${fields}.`))
    }
  })

/**
 * Refuses documents past `limits` before anything executes, answering 400 with code QUERY_TOO_COMPLEX. Tokens are
 * counted while parsing, aliases, depth and mutation fields while validating (GraphQL Armor, and one rule of its
 * own), so a document the server keeps (see useDocumentCache) is checked once. The cost needs the variables when a
 * list's size or an @include/@skip is one of them: it is judged on every request, worked out once per document when
 * it does not depend on them.
 */
export const useDocumentLimits = (limits: DocumentLimits, domains: ReadonlyArray<Domain>): Plugin => {
  const mutationFields = maxMutationFields(limits.maxMutationFields)
  const estimators = [listSize(pageSizesOf(domains)), simpleEstimator({ defaultComplexity: 1 })]
  const fixedCost = new WeakMap<DocumentNode, number>()

  /** The document's cost for these parameters; undefined when it has no single operation to cost. */
  const costOf = (schema: GraphQLSchema, document: DocumentNode, params: Partial<GraphQLParams> = {}) => {
    const fixed = fixedCost.get(document)
    if (fixed !== undefined) return fixed
    let cost: number
    try {
      cost = getComplexity({
        schema,
        query: document,
        variables: params.variables ?? {},
        ...(params.operationName ? { operationName: params.operationName } : {}),
        estimators
      })
    } catch {
      return undefined // say, several operations and no operationName: execution answers that itself
    }
    if (operationsOf(document).length === 1 && !costDependsOnVariables(document)) fixedCost.set(document, cost)
    return cost
  }

  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        EnvelopArmorPlugin({
          maxTokens: { n: limits.maxTokens, onReject: [rethrownAs("maxTokens")] },
          maxAliases: { n: limits.maxAliases, onReject: [rethrownAs("maxAliases")] },
          maxDepth: { n: limits.maxDepth, onReject: [rethrownAs("maxDepth")] },
          maxDirectives: { n: limits.maxDirectives, onReject: [rethrownAs("maxDirectives")] },
          // The cost below counts list sizes, which Armor's does not.
          costLimit: { enabled: false },
          // Introspection is open, so hiding "Did you mean …?" would hide nothing.
          blockFieldSuggestion: { enabled: false }
        })
      )
    },
    // The cost is judged with validation, not before execution: a plugin that hooks execution takes every request
    // through envelop's slower execute path. Judged on every request (validation is skipped for a document the
    // server keeps), it is a lookup for a document whose cost does not depend on its variables.
    onValidate({ params: { schema, documentAST }, context, addValidationRule }) {
      addValidationRule(mutationFields)
      const cost = costOf(schema, documentAST, (context as { params?: GraphQLParams }).params)
      if (cost === undefined || cost <= limits.maxCost) return
      const error = refused("maxCost", `Cost limit of ${limits.maxCost} exceeded, found ${cost}.`)
      return ({ result, setResult }) => setResult([...result, error])
    }
  }
}
