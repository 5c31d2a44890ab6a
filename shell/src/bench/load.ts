import type autocannon from "autocannon"

/** Where and how hard a load drives a GraphQL endpoint. */
export interface LoadTarget {
  readonly url: string
  readonly connections: number
  readonly seconds: number
  /** A fixed offered load in requests per second; saturation when absent. */
  readonly rate?: number | undefined
}

/**
 * autocannon options for a stream of GraphQL POSTs: `query(n, connection)` gives the n-th request's query text and
 * `answered(body, connection)` sees its answer. With one request in flight per connection, the connection object
 * carries whatever a request must pass to its answer.
 */
export const graphqlLoad = (
  target: LoadTarget,
  query: (n: number, connection: object) => string,
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
        setupRequest: (request, connection) => ({ ...request, body: JSON.stringify({ query: query(n++, connection) }) }),
        onResponse: (_status, body, connection) => answered(body, connection)
      }
    ]
  }
}
