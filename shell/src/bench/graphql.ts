// GraphQL mutations per second over HTTP against a running project, with autocannon.
import autocannon from "autocannon"

export interface GraphqlBenchOptions {
  readonly url: string
  readonly wallets: number
  readonly connections: number
  readonly seconds: number
  /** A fixed offered load in requests per second; saturation when absent. */
  readonly rate?: number
}

const post = (url: string, query: string) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) }).then(
    (r) => r.json() as Promise<{ errors?: ReadonlyArray<{ extensions?: { code?: string } }> }>
  )

/** Opens and funds the wallets the load runs against. */
const prepare = async (url: string, prefix: string, wallets: number) => {
  for (let i = 0; i < wallets; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, wallets - i) }, async (_, j) => {
        const id = `${prefix}${i + j}`
        await post(url, `mutation { openWallet(owner: "bench", id: "${id}") { id } }`)
        await post(url, `mutation { credit(walletId: "${id}", amount: 1000000) { id } }`)
      })
    )
}

export const graphqlBench = async (options: GraphqlBenchOptions) => {
  const prefix = `b${Date.now().toString(36)}-`
  await prepare(options.url, prefix, options.wallets)
  const codes = new Map<string, number>()
  let n = 0
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    ...(options.rate === undefined ? {} : { overallRate: options.rate }),
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        setupRequest: (request) => {
          const i = n++
          const kind = i % 2 === 0 ? "credit" : "debit"
          const query = `mutation { ${kind}(walletId: "${prefix}${(i * 7919) % options.wallets}", amount: ${1 + (i % 100)}) { balance } }`
          return { ...request, body: JSON.stringify({ query }) }
        },
        onResponse: (_status, body) => {
          const code = body.includes('"errors"') ? (/"code":"([A-Z_]+)"/.exec(body)?.[1] ?? "UNKNOWN") : "OK"
          codes.set(code, (codes.get(code) ?? 0) + 1)
        }
      }
    ]
  })
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    outcomes: Object.fromEntries(codes)
  }
}
