import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "@low/postgres/testing"
import { connectRaw, halfSentPost, listening, printed, type ProjectProcess, requestHead, spawnProject } from "@low/testing"
import { accepted, acceptedNull } from "@low/testing/conformance/expectations"
import { documents, makeApi, makeIds } from "@low/testing/conformance/fixtures"
import { startServerProcess, type ServerProcess } from "./testing/server-process"

const drainTimeoutMs = 3_000
let database: TestDatabase
let draining: ProjectProcess | undefined
let restarted: ServerProcess | undefined
const api = makeApi(() => restarted!.url)
const ids = makeIds()

beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(async () => {
  await Promise.all([draining?.stop("SIGKILL"), restarted?.stop("SIGKILL")])
  await database?.drop()
})

const openWallet = (id: string) =>
  JSON.stringify({ query: documents.OPEN_WALLET, variables: { owner: "Grace Hopper", id, commandId: ids.command() } })

describe("SIGTERM to graphql-postgres", () => {
  it("given a mutation half sent and one never finished, then the first is answered and durable, the second cut after the drain timeout, and the process exits 0", {
    timeout: 240_000
  }, async () => {
    draining = spawnProject("graphql-postgres", { env: { DATABASE_URL: database.url, HTTP_DRAIN_TIMEOUT_MS: String(drainTimeoutMs) } })
    const project = draining
    const url = await listening(project)
    const idle = await connectRaw(url)
    idle.write(requestHead("GET", "/healthz"))
    expect((await idle.response()).status).toBe(200)
    const [answered, unfinished] = [ids.wallet(), ids.wallet()]
    const inFlight = await halfSentPost(url, openWallet(answered))
    const neverFinished = await halfSentPost(url, openWallet(unfinished))

    const signalled = performance.now()
    project.child.kill("SIGTERM")
    // Idle connections are closed at once; the log line is printed once the listening socket is closed.
    await idle.closed
    await printed(project, "Draining: new connections refused")
    await expect(connectRaw(url)).rejects.toMatchObject({ code: "ECONNREFUSED" })

    // The pool is still open: the mutation runs, commits and is answered.
    inFlight.rest()
    const response = await inFlight.connection.response()
    expect(response.status, response.body).toBe(200)
    expect(JSON.parse(response.body)).toStrictEqual({
      data: { openWallet: { id: answered, owner: "Grace Hopper", balance: 0, version: 1 } }
    })

    const cutAfter = (await neverFinished.connection.closed) - signalled
    expect(cutAfter).toBeGreaterThanOrEqual(drainTimeoutMs - 50)
    expect(cutAfter).toBeLessThan(drainTimeoutMs + 2_000)
    expect(await project.exited, project.output()).toBe(0)
    expect(performance.now() - signalled).toBeLessThan(drainTimeoutMs + 4_000)
    expect(project.output()).toContain("Drained: cut")

    // Another instance on the same database reads what was answered, and nothing of what was cut.
    restarted = await startServerProcess(database.url)
    expect(accepted(await api.wallet(answered), "wallet")).toMatchObject({ id: answered, owner: "Grace Hopper", balance: 0, version: 1 })
    acceptedNull(await api.wallet(unfinished), "wallet")
  })
})
