/**
 * A tiny GraphQL-over-HTTP client for tests: plain `fetch`, no caching, no retries, nothing hidden, so a test
 * sees exactly what the server answered.
 */

/** One entry of a GraphQL response's `errors`. */
export interface GraphQLError {
  readonly message: string
  readonly path?: ReadonlyArray<string | number>
  readonly extensions?: Readonly<Record<string, unknown>>
}

/** The JSON body of a GraphQL response; `data` is absent when the request failed before execution. */
export interface GraphQLBody<TData> {
  readonly data?: TData | null
  readonly errors?: ReadonlyArray<GraphQLError>
}

/** The HTTP status and parsed body of one GraphQL request. */
export interface GraphQLResponse<TData> {
  readonly status: number
  readonly body: GraphQLBody<TData>
}

/** Operation variables; `undefined` values are dropped by JSON, so they reach the server as absent. */
export type Variables = Readonly<Record<string, unknown>>

/** Sends one operation as POST application/json (with `headers` besides) and parses the answer; throws when the answer is not JSON. */
export const gql = async <TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Variables,
  headers: Readonly<Record<string, string>> = {}
): Promise<GraphQLResponse<TData>> => {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      // Both media types carry the same body; a server may pick either.
      accept: "application/graphql-response+json, application/json;q=0.9",
      ...headers
    },
    body: JSON.stringify(variables === undefined ? { query } : { query, variables })
  })
  const text = await response.text()
  try {
    return { status: response.status, body: JSON.parse(text) as GraphQLBody<TData> }
  } catch {
    throw new Error(`POST ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 500)}`)
  }
}

/** Sends one operation as GET with query-string parameters; returns the raw answer, which need not be JSON. */
export const gqlGet = async (
  url: string,
  query: string,
  variables?: Variables
): Promise<{ readonly status: number; readonly text: string }> => {
  const target = new URL(url)
  target.searchParams.set("query", query)
  if (variables !== undefined) target.searchParams.set("variables", JSON.stringify(variables))
  const response = await fetch(target, { method: "GET", headers: { accept: "application/json" } })
  return { status: response.status, text: await response.text() }
}

/** The first error of a response, if any. */
export const firstError = (response: GraphQLResponse<unknown>): GraphQLError | undefined => response.body.errors?.[0]

/** `errors[0].extensions.code`, or undefined when there is no error or no code. */
export const errorCode = (response: GraphQLResponse<unknown>): string | undefined => {
  const code = firstError(response)?.extensions?.["code"]
  return typeof code === "string" ? code : undefined
}

/** `errors[0].extensions`, or an empty record. */
export const errorExtensions = (response: GraphQLResponse<unknown>): Readonly<Record<string, unknown>> =>
  firstError(response)?.extensions ?? {}
