import { Exit, Runtime } from "effect"
import { createSchema, createYoga } from "graphql-yoga"
import type { Domain } from "@low/functions"
import { useBodyLimit } from "./body-limit"
import { useDocumentCache } from "./document-cache"
import { answerFailure } from "./errors"
import type { RouteServices } from "./routes"
import { schemaOf, type Run } from "./schema"

/** The largest request body served; the contract's requests are a few hundred bytes. */
export const maxBodyBytes = 1_000_000

/** A graphql-yoga server for the API of `domains`, resolving through the command bus and the views. */
export const makeYoga = (runtime: Runtime.Runtime<RouteServices>, domains: ReadonlyArray<Domain>) => {
  const exitOf = Runtime.runPromiseExit(runtime)
  const runFailure = Runtime.runPromise(runtime)
  const run: Run = ({ effect, commandId }, answers) =>
    exitOf(effect).then((exit) =>
      Exit.isSuccess(exit) ? exit.value : runFailure(answerFailure(exit.cause, answers, commandId)).then((error) => Promise.reject(error))
    )

  return createYoga({
    schema: createSchema(schemaOf(domains, run)),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    logging: "error",
    // yoga's own limit re-streams every body; this one reads a Content-Length and streams only chunked bodies.
    maxRequestBodySize: false,
    parserAndValidationCache: false,
    plugins: [useBodyLimit(maxBodyBytes), useDocumentCache()]
  })
}
