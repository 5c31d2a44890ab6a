import { request } from "node:http"
import { Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inviteCustomer, wallet } from "@low/functions"
import { MemoryStore } from "@low/core"
import { InProcessEventSystem } from "@low/core"
import { Executor } from "@low/core"
import { defaultHttpLimits } from "./config"
const { maxBodyBytes } = defaultHttpLimits
import { Health } from "@low/core"
import { startServer, type RunningServer } from "./run"
import { serve } from "./server"

let server: RunningServer
beforeAll(async () => {
  server = await startServer(
    serve({ port: 0, domains: [wallet, inviteCustomer] }).pipe(
      Layer.provide(
        InProcessEventSystem({
          handlers: [...wallet.handlers, ...inviteCustomer.handlers],
          projectors: [...wallet.projectors, ...inviteCustomer.projectors]
        })
      ),
      Layer.provide(Executor.layer()),
      Layer.provideMerge(MemoryStore.layer),
      Layer.provide(Health.none)
    )
  )
})
afterAll(() => server.close())

/** A POST whose body goes out in chunks, without Content-Length. */
const postChunked = (body: string) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(server.url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let text = ""
      res
        .setEncoding("utf8")
        .on("data", (chunk) => (text += chunk))
        .on("end", () => resolve({ status: res.statusCode!, text }))
    })
    req.on("error", reject)
    for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.slice(at, at + 64 * 1024))
    req.end()
  })

const openWallet = (owner: string) => JSON.stringify({ query: `mutation { openWallet(owner: "${owner}") { owner balance } }` })
/** A valid request padded with whitespace to `bytes`. */
const padded = (bytes: number) => {
  const body = openWallet("padded")
  return `${body.slice(0, -1)}${" ".repeat(bytes - body.length)}}`
}

describe("HTTP server", () => {
  it("given a body over the limit with its Content-Length, when posted, then 413 and nothing is opened", async () => {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: padded(maxBodyBytes + 1)
    })
    expect(response.status).toBe(413)
    expect(await response.text()).toContain("REQUEST_ENTITY_TOO_LARGE")
  })

  it("given a body at the limit, when posted, then it is served", async () => {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: padded(maxBodyBytes)
    })
    expect(await response.json()).toStrictEqual({ data: { openWallet: { owner: "padded", balance: 0 } } })
  })

  it("given a chunked body over the limit, when posted, then 413", async () => {
    const answer = await postChunked(padded(maxBodyBytes + 1))
    expect(answer.status, answer.text).toBe(413)
    expect(answer.text).toContain("REQUEST_ENTITY_TOO_LARGE")
  })

  it("given a small chunked body, when posted, then it is served", async () => {
    const answer = await postChunked(openWallet("chunked"))
    expect(JSON.parse(answer.text)).toStrictEqual({ data: { openWallet: { owner: "chunked", balance: 0 } } })
  })

  it("given a malformed Content-Length, when posted, then 400", async () => {
    const answer = await new Promise<number>((resolve, reject) => {
      const req = request(
        server.url,
        { method: "POST", headers: { "content-type": "application/json", "content-length": "12, 12" } },
        (res) => resolve(res.statusCode!)
      )
      req.on("error", reject)
      req.end(openWallet("x").slice(0, 12))
    })
    expect(answer).toBe(400)
  })

  it("given a browser, when GET /graphql, then GraphiQL", async () => {
    const response = await fetch(server.url, { headers: { accept: "text/html" } })
    expect(response.status).toBe(200)
    expect(await response.text()).toContain("GraphiQL")
  })

  it("given the server, when GET /healthz or an unknown path, then 200 and 404", async () => {
    expect((await fetch(new URL("/healthz", server.url))).status).toBe(200)
    expect((await fetch(new URL("/nowhere", server.url))).status).toBe(404)
  })
})
