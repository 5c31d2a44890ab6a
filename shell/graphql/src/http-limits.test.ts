import { Layer } from "effect"
import { describe, expect, it } from "vitest"
import { Executor, Health, InProcessEventSystem, MemoryStore } from "@low/core"
import { wallet } from "@low/functions"
import { connectRaw, halfSentPost, type RawConnection, requestHead } from "@low/testing"
import type { HttpLimits } from "./config"
import { startServer, type RunningServer } from "./run"
import { serve } from "./server"

/** A server on a free port holding clients to `http`, for the length of `test` (which may close it itself). */
const withServer = async (http: Partial<HttpLimits>, test: (server: RunningServer) => Promise<void>) => {
  const server = await startServer(
    serve({ port: 0, domains: [wallet], http }).pipe(
      Layer.provide(InProcessEventSystem({ handlers: wallet.handlers, projectors: wallet.projectors })),
      Layer.provide(Executor.layer()),
      Layer.provide(MemoryStore.layer),
      Layer.provide(Health.none)
    )
  )
  let closing: Promise<void> | undefined
  const close = () => (closing ??= server.close())
  try {
    await test({ url: server.url, close })
  } finally {
    await close()
  }
}

/** Milliseconds from `since` until the server closes `connection`. */
const closedAfter = async (connection: RawConnection, since: number) => (await connection.closed) - since

const healthz = requestHead("GET", "/healthz")

/** A connection that has been answered once, so the server has surely accepted it. */
const served = async (url: string) => {
  const connection = await connectRaw(url)
  connection.write(healthz)
  expect((await connection.response()).status).toBe(200)
  return connection
}

describe("the HTTP server's limits", () => {
  it("given a client that never finishes its headers, then the server cuts it within the headers timeout and a second", async () => {
    await withServer({ headersTimeoutMs: 500 }, async ({ url }) => {
      const connection = await connectRaw(url)
      const start = performance.now()
      connection.write(requestHead("GET", "/healthz", { accept: "application/json" }, false))
      const elapsed = await closedAfter(connection, start)
      expect(elapsed).toBeGreaterThanOrEqual(450)
      expect(elapsed).toBeLessThan(500 + 1_500)
      expect(connection.received()).toMatch(/^HTTP\/1\.1 408/)
    })
  })

  it("given a client trickling one header line at a time, then it is cut all the same: the timeout is for all the headers", async () => {
    await withServer({ headersTimeoutMs: 500 }, async ({ url }) => {
      const connection = await connectRaw(url)
      const start = performance.now()
      connection.write("GET /healthz HTTP/1.1\r\n")
      // The attack itself: a byte every 100 ms, well inside any idle timeout.
      const trickle = setInterval(() => connection.write(`x-${Date.now()}: y\r\n`), 100)
      const elapsed = await closedAfter(connection, start).finally(() => clearInterval(trickle))
      expect(elapsed).toBeGreaterThanOrEqual(450)
      expect(elapsed).toBeLessThan(500 + 1_500)
    })
  })

  it("given a body that stops halfway, then the request is cut within the request timeout and a second", async () => {
    await withServer({ headersTimeoutMs: 300, requestTimeoutMs: 1_000 }, async ({ url }) => {
      const connection = await connectRaw(url)
      const start = performance.now()
      connection.write(`${requestHead("POST", "/graphql", { "content-type": "application/json", "content-length": 100 })}{"query":`)
      const elapsed = await closedAfter(connection, start)
      expect(elapsed).toBeGreaterThanOrEqual(950)
      expect(elapsed).toBeLessThan(1_000 + 1_500)
    })
  })

  it("given a headers timeout above the request timeout, then the server starts and the request timeout bounds the headers", async () => {
    await withServer({ headersTimeoutMs: 60_000, requestTimeoutMs: 500 }, async ({ url }) => {
      const connection = await connectRaw(url)
      const start = performance.now()
      connection.write(requestHead("GET", "/healthz", {}, false))
      const elapsed = await closedAfter(connection, start)
      expect(elapsed).toBeGreaterThanOrEqual(450)
      expect(elapsed).toBeLessThan(500 + 1_500)
    })
  })

  it("given maxConnections open, then one more is closed unanswered while the others are still served", async () => {
    await withServer({ maxConnections: 2 }, async ({ url }) => {
      const [first, second] = [await served(url), await served(url)]
      const third = await connectRaw(url)
      third.write(healthz)
      await third.closed
      expect(third.received()).toBe("")
      for (const connection of [first!, second!]) {
        connection.write(healthz)
        expect((await connection.response()).status).toBe(200)
      }
    })
  })

  it("given an idle keep-alive connection, then the server closes it a second after the keep-alive timeout it announced", async () => {
    await withServer({ keepAliveTimeoutMs: 2_000 }, async ({ url }) => {
      const connection = await connectRaw(url)
      connection.write(healthz)
      const response = await connection.response()
      const answered = performance.now()
      expect(response.headers["keep-alive"]).toBe("timeout=2")
      // Node keeps the connection a second longer than it tells the client, so that the client gives up on it first.
      const elapsed = await closedAfter(connection, answered)
      expect(elapsed).toBeGreaterThanOrEqual(2_000 + 1_000 - 50)
      expect(elapsed).toBeLessThan(2_000 + 1_000 + 1_000)
    })
  })
})

const openWallet = (owner: string) => JSON.stringify({ query: `mutation { openWallet(owner: "${owner}") { owner balance } }` })

describe("closing the server", () => {
  it("given a mutation half sent and an idle connection, when closed, then no new connection, the mutation is answered, then it closes", async () => {
    await withServer({ drainTimeoutMs: 30_000 }, async (server) => {
      const idle = await served(server.url)
      const mutation = await halfSentPost(server.url, openWallet("in flight"))
      let closed = false
      const closing = server.close().then(() => (closed = true))
      // The idle connection is closed at once, by the same call that stops the listening socket.
      await idle.closed
      await expect(connectRaw(server.url)).rejects.toMatchObject({ code: "ECONNREFUSED" })
      expect(closed).toBe(false)
      mutation.rest()
      const response = await mutation.connection.response()
      expect(response.status).toBe(200)
      expect(response.headers["connection"]).toBe("close")
      expect(JSON.parse(response.body)).toStrictEqual({ data: { openWallet: { owner: "in flight", balance: 0 } } })
      await mutation.connection.closed
      await closing
    })
  })

  it("given a request never finished, when closed, then it is cut after the drain timeout and closing completes", async () => {
    await withServer({ drainTimeoutMs: 500 }, async (server) => {
      const mutation = await halfSentPost(server.url, openWallet("never finished"))
      const start = performance.now()
      await server.close()
      const closedIn = performance.now() - start
      expect(await closedAfter(mutation.connection, start)).toBeGreaterThanOrEqual(450)
      expect(closedIn).toBeGreaterThanOrEqual(450)
      expect(closedIn).toBeLessThan(500 + 1_000)
      expect(mutation.connection.received()).not.toContain("200 OK")
    })
  })
})
