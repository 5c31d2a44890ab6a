import type { Tracer } from "effect"
import { GraphQLScalarType, Kind, parse, type DocumentNode } from "graphql"
import type { Args, Doc, Domain } from "@low/functions"
import { machineryTags, type ErrorAnswers } from "./errors"
import { routeMutation, routePage, routeQuery, type MutationOptions, type Routed } from "./routes"

/** What every domain's slice may use besides its own types. */
const base = "scalar DateTime"

const DateTime = new GraphQLScalarType<string, string>({
  name: "DateTime",
  serialize: (value) => new Date(value as string).toISOString()
})

/** What graphql-yoga hands every resolver: the server context, with the span of the HTTP request when one is made. */
export interface RequestContext {
  readonly requestSpan?: Tracer.Span
}

/**
 * Runs a route and settles its answer, mapping a failure with the error answers of the domain it belongs to.
 * `field` names the field it resolves, as `Type.field`.
 */
export type Run = <A>(routed: Routed<A>, answers: ErrorAnswers, field: string, context: RequestContext) => Promise<A>

type Resolver = (parent: unknown, args: Args, context: RequestContext) => Promise<unknown>

/** The fields each type of an SDL slice declares (definitions and extensions alike). */
const fieldsOf = (document: DocumentNode) => {
  const fields = new Map<string, Set<string>>()
  for (const node of document.definitions)
    if (node.kind === Kind.OBJECT_TYPE_DEFINITION || node.kind === Kind.OBJECT_TYPE_EXTENSION) {
      const names = fields.get(node.name.value) ?? new Set<string>()
      for (const field of node.fields ?? []) names.add(field.name.value)
      fields.set(node.name.value, names)
    }
  return fields
}

/** Fails at start, naming the domain, when its API and its schema slice disagree. */
const check = (domain: Domain, served: Map<string, string>) => {
  const fields = fieldsOf(parse(domain.api.schema))
  const problem = (what: string) => new Error(`domain ${domain.name}: ${what}`)
  const views = new Set(domain.views)
  const claim = (type: string, name: string) => {
    const other = served.get(`${type}.${name}`)
    if (other !== undefined) throw problem(`${type}.${name} is served by the domain ${other} already`)
    served.set(`${type}.${name}`, domain.name)
  }
  const declared = (type: string, names: Iterable<string>, view: (name: string) => string) => {
    for (const name of names) {
      if (!fields.get(type)?.has(name)) throw problem(`${type}.${name} is served but its schema slice does not declare it`)
      if (!views.has(view(name))) throw problem(`${type}.${name} reads the view "${view(name)}", which is not among its views`)
    }
  }
  const { mutations = {}, queries = {}, pages = {} } = domain.api
  for (const [name, api] of Object.entries(mutations))
    if (!domain.handlers.includes(api.handler))
      throw problem(`Mutation.${name} sends commands to ${api.handler.name}, which is not among its handlers`)
  for (const tag of Object.keys(domain.errors))
    if (machineryTags.has(tag)) throw problem(`the rejection ${tag} takes a name the shell answers itself`)
  declared("Mutation", Object.keys(mutations), (name) => mutations[name]!.view)
  declared("Query", Object.keys(queries), (name) => queries[name]!.view)
  for (const [type, byField] of Object.entries(pages)) {
    declared(type, Object.keys(byField), (name) => byField[name]!.view)
    for (const name of Object.keys(byField)) claim(type, name)
  }
  for (const [type, routes] of [
    ["Mutation", mutations],
    ["Query", queries]
  ] as const)
    for (const name of fields.get(type) ?? []) {
      if (!(name in routes)) throw problem(`${type}.${name} is declared but has no ${type === "Query" ? "query" : "mutation"} to serve it`)
      claim(type, name)
    }
}

/**
 * The GraphQL schema of a list of domains: their SDL slices merged, and a resolver for each field their APIs serve.
 * `run` runs each resolver's route.
 */
export const schemaOf = (domains: ReadonlyArray<Domain>, run: Run, options: MutationOptions = {}) => {
  const served = new Map<string, string>()
  const resolvers: Record<string, Record<string, Resolver> | GraphQLScalarType> = { DateTime }
  const add = (type: string, field: string, resolve: Resolver) => {
    const forType = (resolvers[type] ??= {}) as Record<string, Resolver>
    forType[field] = resolve
  }
  for (const domain of domains) {
    check(domain, served)
    const { mutations = {}, queries = {}, pages = {} } = domain.api
    const answers = domain.errors
    for (const [field, api] of Object.entries(mutations)) {
      const name = `Mutation.${field}`
      add("Mutation", field, (_, args, context) => run(routeMutation(api, args, options), answers, name, context))
    }
    for (const [field, api] of Object.entries(queries)) {
      const name = `Query.${field}`
      add("Query", field, (_, args, context) => run(routeQuery(api, args), answers, name, context))
    }
    for (const [type, byField] of Object.entries(pages))
      for (const [field, api] of Object.entries(byField)) {
        const name = `${type}.${field}`
        add(type, field, (parent, args, context) => run(routePage(api, parent as Doc, args), answers, name, context))
      }
  }
  return { typeDefs: [base, ...domains.map((d) => d.api.schema)], resolvers }
}
