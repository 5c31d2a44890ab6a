import type autocannon from "autocannon"

/** Where and how hard a load drives a GraphQL endpoint. */
export interface LoadTarget {
  readonly url: string
  readonly connections: number
  readonly seconds: number
  /** A fixed offered load in requests per second; saturation when absent. */
  readonly rate?: number | undefined
}

/** A GraphQL request body: the document, and its variables when it has any. */
export interface GraphqlRequest {
  readonly query: string
  readonly variables?: Record<string, unknown>
}

/**
 * autocannon options for a stream of GraphQL POSTs: `request(n, connection)` gives the n-th request's body (or just
 * its query text) and
 * `answered(body, connection)` sees its answer. With one request in flight per connection, the connection object
 * carries whatever a request must pass to its answer.
 */
export const graphqlLoad = (
  target: LoadTarget,
  request: (n: number, connection: object) => GraphqlRequest | string,
  answered: (body: string, connection: object) => void
): autocannon.Options => {
  let n = 0
  return {
    url: target.url,
    connections: target.connections,
    duration: target.seconds,
    ...(target.rate === undefined ? {} : { overallRate: target.rate }),
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        setupRequest: (base, connection) => {
          const body = request(n++, connection)
          return { ...base, body: JSON.stringify(typeof body === "string" ? { query: body } : body) }
        },
        onResponse: (_status, body, connection) => answered(body, connection)
      }
    ]
  }
}
