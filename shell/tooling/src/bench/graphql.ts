// GraphQL mutations per second over HTTP against a running project, with autocannon.
import autocannon from "autocannon"
import { post } from "../compare/graphql"
import { graphqlLoad, type GraphqlRequest, type LoadTarget } from "./load"
import { pacedLoad, quantile } from "./paced"

export interface GraphqlBenchOptions extends LoadTarget {
  readonly wallets: number
  /** Wraps the measured load (not the wallets' preparation), e.g. to read the server's CPU time around it. */
  readonly measured?: <A>(load: () => Promise<A>) => Promise<A>
}

/** Opens and funds the wallets the load runs against. */
export const prepare = async (url: string, prefix: string, wallets: number) => {
  for (let i = 0; i < wallets; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, wallets - i) }, async (_, j) => {
        const id = `${prefix}${i + j}`
        await post(url, `mutation { openWallet(owner: "bench", id: "${id}") { id } }`)
        await post(url, `mutation { credit(walletId: "${id}", amount: 1000000) { id } }`)
      })
    )
}

const credit = "mutation Credit($walletId: ID!, $amount: Int!) { credit(walletId: $walletId, amount: $amount) { balance } }"
const debit = "mutation Debit($walletId: ID!, $amount: Int!) { debit(walletId: $walletId, amount: $amount) { balance } }"

/** The answer's code: OK, or the first error's code. */
export const codeOf = (body: string) => (body.includes('"errors"') ? (/"code":"([A-Z_]+)"/.exec(body)?.[1] ?? "UNKNOWN") : "OK")

/**
 * Mutations per second and latency: at saturation (no `rate`) with autocannon, each connection sending its next
 * request when the last is answered; at a fixed offered load with `pacedLoad`, requests evenly spaced.
 */
export const graphqlBench = async (options: GraphqlBenchOptions) => {
  const prefix = `b${Date.now().toString(36)}-`
  await prepare(options.url, prefix, options.wallets)
  const codes = new Map<string, number>()
  const count = (body: string) => {
    const code = codeOf(body)
    codes.set(code, (codes.get(code) ?? 0) + 1)
  }
  // Two documents with variables, as a client sends them: the server parses and validates each once.
  const request = (i: number): GraphqlRequest => ({
    query: i % 2 === 0 ? credit : debit,
    variables: { walletId: `${prefix}${(i * 7919) % options.wallets}`, amount: 1 + (i % 100) }
  })
  const measured = options.measured ?? ((load) => load())
  if (options.rate !== undefined) {
    const rate = options.rate
    const r = await measured(() => pacedLoad({ ...options, rate }, request, count))
    return {
      requestsPerSecond: Math.round(r.latencies.length / r.seconds),
      requests: r.latencies.length,
      p50: Math.round(quantile(r.latencies, 0.5)),
      p99: Math.round(quantile(r.latencies, 0.99)),
      non2xx: r.non2xx,
      errors: r.errors,
      outcomes: Object.fromEntries(codes)
    }
  }
  const result = await measured(() => autocannon(graphqlLoad(options, request, count)))
  return {
    requestsPerSecond: Math.round(result.requests.average),
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    outcomes: Object.fromEntries(codes)
  }
}
