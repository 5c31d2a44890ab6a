import { Context, Effect, Exit, Runtime } from "effect"
import { spanOptions, Tracing } from "@low/core"
import { createSchema, createYoga, type CORSOptions, type Plugin } from "graphql-yoga"
import { useBodyLimit } from "./body-limit"
import {
  type CorsOptions,
  defaultCommandTimeoutMs,
  defaultCors,
  defaultDocumentLimits,
  defaultHttpLimits,
  type ServerOptions
} from "./config"
import { useDocumentCache } from "./document-cache"
import { answerFailure } from "./errors"
import { checkPlaygrounds, graphiqlOptions, graphiqlPage } from "./graphiql"
import { useJsonRequestsOnly } from "./json-only"
import { useDocumentLimits } from "./limits"
import { usePlainErrors } from "./plain-errors"
import type { Routed, RouteServices } from "./routes"
import { type RequestContext, schemaOf, type Run } from "./schema"

/** CORS headers only for the origins allowed, and credentials only when allowed too: other origins get none. */
const corsOf =
  ({ origins, credentials }: CorsOptions) =>
  (request: Request): CORSOptions => {
    const origin = request.headers.get("origin")
    return origin !== null && origins.includes(origin) ? { origin: [origin], credentials, methods: ["GET", "POST"] } : false
  }

/** Tells caches that an answer depends on the Origin: used once some origins get a CORS grant and others do not. */
const useVaryOrigin = (): Plugin => ({
  onResponse({ response }) {
    response.headers.append("vary", "Origin")
  }
})

/** A graphql-yoga server for the API of the options' domains, resolving through the command bus and the views. */
export const makeYoga = (
  runtime: Runtime.Runtime<RouteServices>,
  {
    domains,
    limits,
    http,
    cors,
    graphiql: served = true,
    commandTimeoutMs = defaultCommandTimeoutMs,
    projectedInCommit = false
  }: Pick<ServerOptions, "domains" | "limits" | "http" | "cors" | "graphiql" | "commandTimeoutMs" | "projectedInCommit">
) => {
  const exitOf = Runtime.runPromiseExit(runtime)
  const runFailure = Runtime.runPromise(runtime)
  // The route's own effect, in a span of its own when spans are recorded: a child of its HTTP request's.
  const traced = Context.get(runtime.context, Tracing)
  const effectOf = <A>({ effect, commandId }: Routed<A>, field: string, { requestSpan }: RequestContext) =>
    traced
      ? Effect.withSpan(
          effect,
          `route ${field}`,
          spanOptions({
            ...(requestSpan === undefined ? {} : { parent: requestSpan }),
            attributes: { "low.graphql.field": field, ...(commandId === undefined ? {} : { "low.command_id": commandId }) }
          })
        )
      : effect
  const run: Run = (routed, answers, field, context) =>
    exitOf(effectOf(routed, field, context)).then((exit) => {
      if (Exit.isSuccess(exit)) return exit.value
      routed.failed?.(exit.cause)
      return runFailure(answerFailure(exit.cause, answers, routed.commandId)).then((error) => Promise.reject(error))
    })

  const schema = createSchema(schemaOf(domains, run, { settleWithinMs: commandTimeoutMs, projectedInCommit }))
  checkPlaygrounds(schema, domains)
  const graphiql = graphiqlOptions(domains)
  const corsOptions = { ...defaultCors, ...cors }
  return createYoga<RequestContext>({
    schema,
    graphqlEndpoint: "/graphql",
    graphiql: served ? graphiql : false,
    // Everything GraphiQL needs is in the page: it works offline, and from a bundle.
    renderGraphiQL: graphiqlPage(graphiql),
    landingPage: false,
    logging: "error",
    cors: corsOf(corsOptions),
    // yoga's own limit re-streams every body; this one reads a Content-Length and streams only chunked bodies.
    maxRequestBodySize: false,
    parserAndValidationCache: false,
    plugins: [
      useJsonRequestsOnly(),
      ...(corsOptions.origins.length > 0 ? [useVaryOrigin()] : []),
      useBodyLimit(http?.maxBodyBytes ?? defaultHttpLimits.maxBodyBytes),
      useDocumentLimits({ ...defaultDocumentLimits, ...limits }, domains),
      useDocumentCache(),
      usePlainErrors()
    ]
  })
}
