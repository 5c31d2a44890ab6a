import { ConfigProvider, Effect, Either, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Executor, Health, InProcessEventSystem, MemoryStore } from "@low/core"
import { inviteCustomer, wallet } from "@low/functions"
import { defaultDocumentLimits, defaultHttpLimits, type ServerOptions, serverConfig } from "./config"
import { startServer, type RunningServer } from "./run"
import { serve } from "./server"

const domains = [wallet, inviteCustomer]

const inMemory = (options: Omit<ServerOptions, "port" | "domains">) =>
  startServer(
    serve({ port: 0, domains, ...options }).pipe(
      Layer.provide(
        InProcessEventSystem({
          handlers: domains.flatMap((d) => d.handlers),
          projectors: domains.flatMap((d) => d.projectors)
        })
      ),
      Layer.provide(Executor.layer()),
      Layer.provideMerge(MemoryStore.layer),
      Layer.provide(Health.none)
    )
  )

const ask = async (url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables })
  })
  return { headers: response.headers, body: (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: object }> } }
}

const fromEnv = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(serverConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))))

describe("server options from the environment", () => {
  it("given nothing set, when read, then every default", () => {
    expect(fromEnv({})).toStrictEqual(
      Either.right({
        port: 4000,
        host: "0.0.0.0",
        limits: defaultDocumentLimits,
        http: defaultHttpLimits,
        cors: { origins: [], credentials: false },
        graphiql: true,
        commandTimeoutMs: 10_000
      })
    )
  })

  it("given every variable, when read, then each option says what its variable does", () => {
    const read = fromEnv({
      PORT: "8080",
      HOST: "127.0.0.1",
      GRAPHQL_MAX_ALIASES: "3",
      GRAPHQL_MAX_DEPTH: "4",
      GRAPHQL_MAX_TOKENS: "50",
      GRAPHQL_MAX_DIRECTIVES: "7",
      GRAPHQL_MAX_COST: "60",
      GRAPHQL_MAX_MUTATION_FIELDS: "1",
      HTTP_MAX_BODY_BYTES: "1000",
      HTTP_HEADERS_TIMEOUT_MS: "2000",
      HTTP_REQUEST_TIMEOUT_MS: "3000",
      HTTP_KEEP_ALIVE_TIMEOUT_MS: "4000",
      HTTP_MAX_CONNECTIONS: "5",
      HTTP_DRAIN_TIMEOUT_MS: "6000",
      CORS_ORIGINS: "https://a.example,https://b.example",
      CORS_CREDENTIALS: "true",
      GRAPHIQL: "false",
      COMMAND_TIMEOUT_MS: "7000"
    })
    expect(read).toStrictEqual(
      Either.right({
        port: 8080,
        host: "127.0.0.1",
        limits: { maxAliases: 3, maxDepth: 4, maxTokens: 50, maxDirectives: 7, maxCost: 60, maxMutationFields: 1 },
        http: {
          maxBodyBytes: 1000,
          headersTimeoutMs: 2000,
          requestTimeoutMs: 3000,
          keepAliveTimeoutMs: 4000,
          maxConnections: 5,
          drainTimeoutMs: 6000
        },
        cors: { origins: ["https://a.example", "https://b.example"], credentials: true },
        graphiql: false,
        commandTimeoutMs: 7000
      })
    )
  })

  it.each([
    ["GRAPHQL_MAX_ALIASES", "0"],
    ["HTTP_MAX_BODY_BYTES", "lots"],
    ["CORS_CREDENTIALS", "maybe"],
    ["CORS_ORIGINS", "https://app.example/"],
    ["CORS_ORIGINS", "app.example"]
  ])("given %s=%s, when read, then a configuration error naming it", (name, value) => {
    const read = fromEnv({ [name]: value })
    expect(Either.isLeft(read)).toBe(true)
    expect(String(Either.isLeft(read) ? read.left : "")).toContain(name)
  })
})

describe("limits and CORS as configured", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await inMemory({
      limits: { maxAliases: 2, maxCost: 30, maxMutationFields: 1 },
      cors: { origins: ["https://app.example"], credentials: true }
    })
  })
  afterAll(() => server.close())

  it("given three aliases where two are allowed, when posted, then QUERY_TOO_COMPLEX; two run", async () => {
    const three = await ask(server.url, `{ a: wallet(id: "x") { id } b: wallet(id: "x") { id } c: wallet(id: "x") { id } }`)
    expect(three.body.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "maxAliases" })
    const two = await ask(server.url, `{ a: wallet(id: "x") { id } b: wallet(id: "x") { id } }`)
    expect(two.body).toStrictEqual({ data: { a: null, b: null } })
  })

  it("given one document whose list size is a variable, when sent small, large, then small again, then only the large one is refused", async () => {
    const query = 'query ($first: Int) { wallet(id: "x") { transactions(first: $first) { items { id amount } } } }'
    for (const [first, refused] of [
      [2, false],
      [20, true],
      [2, false]
    ] as const) {
      const answer = await ask(server.url, query, { first })
      if (refused) expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "maxCost" })
      else expect(answer.body).toStrictEqual({ data: { wallet: null } })
    }
  })

  it("given a costly selection behind @include, when sent excluded, then included, then excluded and included again, then every inclusion is refused", async () => {
    const query = 'query ($x: Boolean!) { wallet(id: "x") { transactions(first: 20) @include(if: $x) { items { id amount } } } }'
    for (const [x, refused] of [
      [false, false],
      [true, true],
      [false, false],
      [true, true]
    ] as const) {
      const answer = await ask(server.url, query, { x })
      if (refused) expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "maxCost" })
      else expect(answer.body).toStrictEqual({ data: { wallet: null } })
    }
  })

  it("given more directives than allowed, when posted, then QUERY_TOO_COMPLEX names them", async () => {
    const answer = await ask(server.url, `{ __typename ${"@include(if: true) ".repeat(60)} }`)
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "maxDirectives" })
  })

  it("given two mutation fields where one is allowed, when posted through a fragment, then refused", async () => {
    const answer = await ask(
      server.url,
      `mutation { ...Two } fragment Two on Mutation { a: openWallet(owner: "a") { id } b: openWallet(owner: "b") { id } }`
    )
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit: "maxMutationFields" })
  })

  it("given JSON with a charset parameter, when posted, then it executes; JSON under another media type does not", async () => {
    const post = (type: string) =>
      fetch(server.url, { method: "POST", headers: { "content-type": type }, body: JSON.stringify({ query: "{ __typename }" }) })
    const withCharset = await post("application/json; charset=utf-8")
    expect(await withCharset.json()).toStrictEqual({ data: { __typename: "Query" } })
    const other = await post("application/graphql-response+json")
    expect(other.status).toBe(415)
    expect(await other.json()).toMatchObject({ errors: [{ extensions: { code: "UNSUPPORTED_MEDIA_TYPE" } }] })
  })

  it("given the allowed origin, when it asks, then CORS grants it, with credentials as configured; another origin gets nothing", async () => {
    const allowed = await ask(server.url, "{ __typename }", undefined, { origin: "https://app.example" })
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example")
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true")
    expect(allowed.headers.get("vary")).toContain("Origin")
    const other = await ask(server.url, "{ __typename }", undefined, { origin: "https://other.example" })
    expect(other.headers.get("access-control-allow-origin")).toBeNull()
    expect(other.headers.get("access-control-allow-credentials")).toBeNull()
    expect(other.headers.get("vary")).toContain("Origin")
  })
})

describe("GraphiQL as configured", () => {
  const page = (url: string) => fetch(url, { headers: { accept: "text/html" } })

  it("given the default, when a browser asks for /graphql, then it gets GraphiQL; given graphiql: false, then it does not", async () => {
    const served = await inMemory({})
    const off = await inMemory({ graphiql: false })
    try {
      const on = await page(served.url)
      expect(on.headers.get("content-type")).toContain("text/html")
      expect(await on.text()).toContain("GraphiQL")
      const refused = await page(off.url)
      expect(refused.headers.get("content-type") ?? "").not.toContain("text/html")
      expect(await refused.text()).not.toContain("GraphiQL")
    } finally {
      await Promise.all([served.close(), off.close()])
    }
  })
})
