import { GraphQLError } from "graphql"
import type { Plugin } from "graphql-yoga"

const withoutInternals = (error: GraphQLError) => {
  if (error.extensions?.["originalError"] === undefined) return error
  const { originalError: _, http, ...extensions } = error.extensions
  // yoga answers 200 to a request it could not read when the error looks like a GraphQL one: keep its 4xx.
  return new GraphQLError(error.message, { extensions: { ...extensions, http: { ...(http as object), spec: false } } })
}

/**
 * Keeps what went wrong inside the server out of answers: yoga puts the JavaScript error behind a refused request
 * (a body that is not JSON: its SyntaxError, with a piece of the body) in `extensions.originalError`. The message
 * and the code say enough.
 */
export const usePlainErrors = (): Plugin => ({
  onResultProcess({ result, setResult }) {
    if (Array.isArray(result) || !("errors" in result) || result.errors === undefined) return
    if (result.errors.some((e) => e.extensions?.["originalError"] !== undefined))
      setResult({ ...result, errors: result.errors.map((e) => withoutInternals(e as GraphQLError)) })
  }
})
