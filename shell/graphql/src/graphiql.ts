import { type GraphQLSchema, parse, validate } from "graphql"
import type { GraphiQLOptions } from "graphql-yoga"
import type { Domain } from "@low/functions"

/**
 * GraphiQL's options for `domains`: one tab per domain that gives a playground, in the order they are served, each
 * opening with the domain's operations (GraphiQL's own default when none gives one). A browser that kept its tabs
 * from an earlier visit keeps them.
 */
export const graphiqlOptions = (domains: ReadonlyArray<Domain>): GraphiQLOptions => {
  const tabs = domains.flatMap(({ playground }) => (playground === undefined ? [] : [{ query: playground }]))
  return tabs.length === 0 ? {} : { defaultTabs: tabs }
}

const firstProblem = (schema: GraphQLSchema, document: string) => {
  try {
    return validate(schema, parse(document, { noLocation: true }))[0]?.message
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** Fails, naming the domain and the first error, when a domain's playground does not validate against `schema`. */
export const checkPlaygrounds = (schema: GraphQLSchema, domains: ReadonlyArray<Domain>) => {
  for (const { name, playground } of domains) {
    const problem = playground === undefined ? undefined : firstProblem(schema, playground)
    if (problem !== undefined) throw new Error(`domain ${name}: its playground does not match the schema: ${problem}`)
  }
}

/**
 * The GraphiQL page with `options`, made on first use and kept: @graphql-yoga/render-graphiql inlines GraphiQL's
 * script, styles, fonts, icon and editor workers into the HTML (some 9 MB), so the page fetches nothing but the API
 * itself (yoga's own page loads all of them from a CDN). Imported on first use, so a process that never serves the
 * page never parses it; a server bundle finds it in a file of its own beside it (shell/tooling/src/build.ts).
 */
export const graphiqlPage = (options: GraphiQLOptions) => {
  let page: Promise<string> | undefined
  return () => (page ??= import("@graphql-yoga/render-graphiql").then(({ renderGraphiQL }) => renderGraphiQL(options)))
}
