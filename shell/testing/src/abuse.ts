/**
 * The abuse suite: what a hostile or careless client does to a server facing the internet, sent over real HTTP to a
 * project with its default limits, and run unchanged against every project beside the conformance suite:
 *
 * ```ts
 * describeAbuse("in-memory", () => server.url)
 * ```
 *
 * Each test attacks one promise of the HTTP edge: documents past a limit are refused before anything executes and
 * quickly; a request whose body is not JSON executes nothing (no cross-site mutations); other origins get no CORS
 * grant; a body over the limit is 413; a client that never finishes its headers is cut off; a malformed request gets
 * a clear code and nothing internal; and through all of it the server stays healthy and its memory bounded.
 */
import { describe, expect, it } from "vitest"
import { defaultDocumentLimits, defaultHttpLimits } from "@low/graphql"
import { documents, makeApi, makeIds } from "./conformance/fixtures"
import { gql } from "./graphql-client"
import { connectRaw, requestHead } from "./raw-http"

/** The code of a document refused by a limit. */
const tooComplex = "QUERY_TOO_COMPLEX"

/** `count` aliased copies of `field`, as one query. */
const aliased = (count: number, field: string, operation = "query") =>
  `${operation} { ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(" ")} }`

const history = (walletId: string, first = 100) =>
  `wallet(id: "${walletId}") { transactions(first: ${first}) { items { id kind amount balanceAfter commandId at } nextCursor } }`

/** A raw POST, for bodies and headers the GraphQL client never sends. */
const post = async (url: string, body: BodyInit, headers: Record<string, string>) => {
  const response = await fetch(url, { method: "POST", headers, body })
  return { status: response.status, headers: response.headers, text: await response.text() }
}

/** Milliseconds `run` takes, with its result. */
const timed = async <A>(run: () => Promise<A>) => {
  const started = performance.now()
  const result = await run()
  return { result, ms: performance.now() - started }
}

const healthy = async (url: string) => {
  const response = await fetch(new URL("/healthz", url))
  expect(response.status, await response.text()).toBe(200)
}

/** Parser and runtime words that must never reach a client. */
const internals = /SyntaxError|TypeError|originalError|stack|at .*\.(js|ts):\d+|node_modules/

export const describeAbuse = (projectName: string, url: () => string): void => {
  const api = makeApi(url)
  const ids = makeIds()

  describe(`abuse: ${projectName}`, { timeout: 60_000 }, () => {
    describe("documents past a limit are refused before anything executes, within milliseconds", () => {
      it("given 5,000 aliased histories in one 0.5 MB request (a fan-out bomb), when posted, then 413 and the server stays healthy", async () => {
        const body = JSON.stringify({ query: aliased(5_000, history("bomb")) })
        expect(body.length).toBeGreaterThan(400_000)
        const { result, ms } = await timed(() => post(url(), body, { "content-type": "application/json" }))
        expect(result.status, result.text).toBe(413)
        expect(ms).toBeLessThan(2_000)
        await healthy(url())
      })

      it("given 20 such bombs at once, each within the body limit, when posted, then every one is refused as too complex, quickly", async () => {
        // As many aliases as fit in the body limit.
        let per = 1
        while (JSON.stringify({ query: aliased(per + 1, history("bomb00")) }).length < defaultHttpLimits.maxBodyBytes - 100) per++
        expect(per).toBeGreaterThan(defaultDocumentLimits.maxAliases)
        const { result, ms } = await timed(() =>
          Promise.all(Array.from({ length: 20 }, (_, i) => gql(url(), aliased(per, history(`bomb${10 + i}`)))))
        )
        for (const answer of result) {
          expect(answer.body.errors?.[0]?.extensions?.["code"], JSON.stringify(answer.body)).toBe(tooComplex)
          expect(answer.body.data ?? null).toBeNull()
        }
        expect(ms).toBeLessThan(5_000)
        await healthy(url())
      })

      it("given aliases just over the limit, when posted, then QUERY_TOO_COMPLEX names the aliases limit; at the limit, it runs", async () => {
        const over = await gql(url(), aliased(defaultDocumentLimits.maxAliases + 1, `wallet(id: "none") { id }`))
        expect(over.body.errors?.[0]?.extensions).toMatchObject({ code: tooComplex, limit: "maxAliases" })
        const at = await gql<Record<string, null>>(url(), aliased(defaultDocumentLimits.maxAliases, `wallet(id: "none") { id }`))
        expect(at.body.errors).toBeUndefined()
        expect(Object.values(at.body.data ?? {})).toHaveLength(defaultDocumentLimits.maxAliases)
      })

      it("given a few histories of 100 items each (cost by list size), when posted, then refused for its cost; one history runs", async () => {
        // A history: wallet 1 + transactions 100 × (items 1 + its six fields + nextCursor 1).
        const perHistory = 1 + 100 * 8
        const count = Math.ceil(defaultDocumentLimits.maxCost / perHistory) + 1
        expect(count).toBeLessThanOrEqual(defaultDocumentLimits.maxAliases)
        const over = await gql(url(), aliased(count, history("none")))
        expect(over.body.errors?.[0]?.extensions).toMatchObject({ code: tooComplex, limit: "maxCost" })
        const one = await gql(url(), `{ ${history("none")} }`)
        expect(one.body.errors).toBeUndefined()
      })

      it("given a page size far outside the contract's 1..100, when querying, then BAD_USER_INPUT as the contract says, not a limit", async () => {
        const id = ids.wallet()
        await api.openWallet({ owner: "pages", id })
        const answer = await api.wallet(id, { first: 1_000_000 })
        expect(answer.body.errors?.[0]?.extensions?.["code"], JSON.stringify(answer.body)).toBe("BAD_USER_INPUT")
      })

      it("given a list size passed as a variable, when it makes the cost too high, then refused; when small, the same document runs", async () => {
        const count = defaultDocumentLimits.maxAliases
        const query = `query ($first: Int) { ${Array.from({ length: count }, (_, i) => `a${i}: wallet(id: "none") { transactions(first: $first) { items { id kind amount balanceAfter } } }`).join(" ")} }`
        const small = await gql(url(), query, { first: 1 })
        expect(small.body.errors).toBeUndefined()
        const large = await gql(url(), query, { first: 100 })
        expect(large.body.errors?.[0]?.extensions).toMatchObject({ code: tooComplex, limit: "maxCost" })
      })

      it("given a document nested past the depth limit, when posted, then refused naming the depth", async () => {
        // The contract's own queries are four deep; an unknown field nested deeper is refused for its depth first.
        const deep = `{ ${"a { ".repeat(defaultDocumentLimits.maxDepth + 1)}b${" }".repeat(defaultDocumentLimits.maxDepth + 1)} }`
        const answer = await gql(url(), deep)
        expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: tooComplex, limit: "maxDepth" })
      })

      it("given more tokens than allowed, when posted, then refused naming the tokens", async () => {
        const answer = await gql(url(), `{ wallet(id: "none") { ${"id ".repeat(defaultDocumentLimits.maxTokens)} } }`)
        expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: tooComplex, limit: "maxTokens" })
      })

      it("given 200 aliased credits in one mutation, when posted, then refused and not one is applied", async () => {
        const walletId = ids.wallet()
        await api.openWallet({ owner: "aliased", id: walletId })
        const credits = aliased(200, `credit(walletId: "${walletId}", amount: 1) { balance }`, "mutation")
        const answer = await gql(url(), credits)
        expect(answer.body.errors?.[0]?.extensions?.["code"]).toBe(tooComplex)
        const few = aliased(
          defaultDocumentLimits.maxMutationFields + 1,
          `credit(walletId: "${walletId}", amount: 1) { balance }`,
          "mutation"
        )
        const fewAnswer = await gql(url(), few)
        expect(fewAnswer.body.errors?.[0]?.extensions).toMatchObject({ code: tooComplex, limit: "maxMutationFields" })
        const wallet = await api.wallet(walletId)
        expect(wallet.body.data?.wallet?.balance).toBe(0)
      })
    })

    describe("memory stays bounded", () => {
      it("given 30 distinct documents near the body limit, sent 3 times each, when all are answered, then the server is healthy and every answer right", async () => {
        // Each is valid GraphQL whose id breaks the contract's rules: parsed, validated, executed, refused.
        const padding = defaultHttpLimits.maxBodyBytes - 300
        const near = Array.from({ length: 30 }, (_, i) => `{ wallet(id: "${i}-${"x".repeat(padding)}") { id } }`)
        for (let round = 0; round < 3; round++) {
          const answers = await Promise.all(near.map((query) => gql(url(), query)))
          for (const answer of answers)
            expect(answer.body.errors?.[0]?.extensions?.["code"], JSON.stringify(answer.body)).toBe("BAD_USER_INPUT")
        }
        await healthy(url())
      })
    })

    describe("no cross-site mutations", () => {
      const bodies = (id: string) => {
        const json = JSON.stringify({ query: documents.OPEN_WALLET, variables: { owner: "cross-site", id } })
        const form = new URLSearchParams({ query: documents.OPEN_WALLET, variables: JSON.stringify({ owner: "cross-site", id }) })
        const multipart = new FormData()
        multipart.set("operations", json)
        multipart.set("map", "{}")
        return [
          {
            label: "a form (application/x-www-form-urlencoded)",
            body: form.toString(),
            headers: { "content-type": "application/x-www-form-urlencoded" }
          },
          { label: "multipart/form-data", body: multipart, headers: {} },
          { label: "text/plain", body: json, headers: { "content-type": "text/plain" } },
          { label: "no content-type", body: new Blob([json]), headers: {} },
          { label: "application/graphql", body: documents.OPEN_WALLET, headers: { "content-type": "application/graphql" } }
        ]
      }
      for (const { label } of bodies("any"))
        it(`given an openWallet posted as ${label}, when the server answers, then it is a 4xx and the wallet does not exist`, async () => {
          const id = ids.wallet()
          const { body, headers } = bodies(id).find((b) => b.label === label)!
          const answer = await post(url(), body, headers)
          expect(answer.status, answer.text).toBeGreaterThanOrEqual(400)
          expect(answer.status, answer.text).toBeLessThan(500)
          const wallet = await api.wallet(id)
          expect(wallet.body.data?.wallet ?? null).toBeNull()
        })

      it("given a JSON mutation from a foreign origin, when answered, then no CORS header grants that origin anything", async () => {
        const id = ids.wallet()
        const foreign = "https://attacker.example"
        const preflight = await fetch(url(), {
          method: "OPTIONS",
          headers: { origin: foreign, "access-control-request-method": "POST", "access-control-request-headers": "content-type" }
        })
        expect(preflight.headers.get("access-control-allow-origin")).toBeNull()
        expect(preflight.headers.get("access-control-allow-credentials")).toBeNull()
        const answer = await post(url(), JSON.stringify({ query: documents.OPEN_WALLET, variables: { owner: "o", id } }), {
          "content-type": "application/json",
          origin: foreign,
          cookie: "session=1"
        })
        expect(answer.headers.get("access-control-allow-origin")).toBeNull()
        expect(answer.headers.get("access-control-allow-credentials")).toBeNull()
      })
    })

    describe("bounded bodies and time", () => {
      it("given a body one byte over the limit, when posted with its length, then 413 with a clear code", async () => {
        const query = `{ wallet(id: "none") { id } }`
        const body = JSON.stringify({ query: `${query}${" ".repeat(defaultHttpLimits.maxBodyBytes)}` }).slice(
          0,
          defaultHttpLimits.maxBodyBytes - 2
        )
        const exact = `${body}"}`
        expect(Buffer.byteLength(exact)).toBe(defaultHttpLimits.maxBodyBytes)
        expect((await post(url(), exact, { "content-type": "application/json" })).status).toBe(200)
        const over = await post(url(), `${body} "}`, { "content-type": "application/json" })
        expect(over.status, over.text).toBe(413)
        expect(JSON.parse(over.text).errors[0].extensions.code).toBe("REQUEST_ENTITY_TOO_LARGE")
      })

      it("given a client that sends part of its headers and then nothing, when it waits, then the server cuts it off at the headers timeout", async () => {
        const connection = await connectRaw(url())
        const start = performance.now()
        connection.write(requestHead("POST", "/graphql", {}, false))
        const ms = (await connection.closed) - start
        expect(ms).toBeLessThan(defaultHttpLimits.headersTimeoutMs + 2_000)
        const answer = connection.received()
        expect(answer === "" || answer.startsWith("HTTP/1.1 408")).toBe(true)
        await healthy(url())
      })
    })

    describe("malformed requests get a clear code and nothing internal", () => {
      const malformed = [
        { label: "a body that is not JSON", body: "{not json", status: 400 },
        { label: "a JSON string", body: '"mutation { x }"', status: 400 },
        { label: "a query that is a number", body: '{"query": 5}', status: 400 },
        { label: "variables that are a string", body: '{"query": "{ __typename }", "variables": "x"}', status: 400 },
        { label: "a batch", body: '[{"query": "{ __typename }"}]', status: 400 },
        { label: "a document that does not parse", body: JSON.stringify({ query: "{ wallet(id: " }), status: 200 }
      ]
      it("given a query over GET whose variables are not JSON, when sent, then 400 with a code, not a server error", async () => {
        const target = new URL(url())
        target.searchParams.set("query", "{ __typename }")
        target.searchParams.set("variables", "{")
        const response = await fetch(target, { headers: { accept: "application/json" } })
        const text = await response.text()
        expect(response.status, text).toBe(400)
        expect(JSON.parse(text).errors[0].extensions.code).toBe("BAD_REQUEST")
        expect(text).not.toMatch(internals)
      })

      for (const { label, body, status } of malformed)
        it(`given ${label}, when posted, then a code, a message, and no parser internals`, async () => {
          const answer = await post(url(), body, { "content-type": "application/json", accept: "application/json" })
          expect(answer.status, answer.text).toBe(status)
          const parsed = JSON.parse(answer.text) as { errors: ReadonlyArray<{ message: string; extensions?: { code?: string } }> }
          expect(parsed.errors[0]?.extensions?.code, answer.text).toMatch(/^[A-Z_]+$/)
          expect(answer.text).not.toMatch(internals)
        })
    })
  })
}
