import { afterEach, describe, expect, it } from "vitest"
import { connectRaw, listening, halfSentPost, printed, type ProjectProcess, requestHead, spawnProject } from "@low/testing"

const started: Array<ProjectProcess> = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop("SIGKILL")))
})

/** The project running in a child process, as `pnpm start` runs it, once it listens. */
const start = async (env: Record<string, string>) => {
  const project = spawnProject("in-memory", { env })
  started.push(project)
  const url = await listening(project)
  return { project, url }
}

const openWallet = (owner: string) => JSON.stringify({ query: `mutation { openWallet(owner: "${owner}") { owner balance } }` })

describe("SIGTERM to in-memory", () => {
  it("given a mutation half sent and an idle connection, then no new connection, the mutation is answered, and the process exits 0", {
    timeout: 120_000
  }, async () => {
    const { project, url } = await start({ HOST: "127.0.0.1", HTTP_DRAIN_TIMEOUT_MS: "60000" })
    expect(project.output()).toMatch(/Listening on http:\/\/127\.0\.0\.1:\d+/)
    const idle = await connectRaw(url)
    idle.write(requestHead("GET", "/healthz"))
    expect((await idle.response()).status).toBe(200)
    const mutation = await halfSentPost(url, openWallet("in flight"))

    const signalled = performance.now()
    project.child.kill("SIGTERM")
    // Idle connections are closed at once; the log line is printed once the listening socket is closed.
    await idle.closed
    await printed(project, "Draining: new connections refused")
    await expect(connectRaw(url)).rejects.toMatchObject({ code: "ECONNREFUSED" })
    expect(project.child.exitCode, project.output()).toBeNull()

    mutation.rest()
    const response = await mutation.connection.response()
    expect(response.status).toBe(200)
    expect(response.headers["connection"]).toBe("close")
    expect(JSON.parse(response.body)).toStrictEqual({ data: { openWallet: { owner: "in flight", balance: 0 } } })
    expect(await project.exited, project.output()).toBe(0)
    // Once the mutation is answered nothing is left to wait for: the drain timeout is far off.
    expect(performance.now() - signalled).toBeLessThan(10_000)
    expect(project.output()).toContain("Drained")
  })

  it("given a request that is never finished, then it is cut after HTTP_DRAIN_TIMEOUT_MS and the process exits 0", {
    timeout: 120_000
  }, async () => {
    const { project, url } = await start({ HTTP_DRAIN_TIMEOUT_MS: "1000" })
    // HOST is 0.0.0.0 unless told.
    expect(project.output()).toMatch(/Listening on http:\/\/0\.0\.0\.0:\d+/)
    const mutation = await halfSentPost(url, openWallet("never finished"))

    const signalled = performance.now()
    project.child.kill("SIGTERM")
    const cutAfter = (await mutation.connection.closed) - signalled
    expect(cutAfter).toBeGreaterThanOrEqual(1_000 - 50)
    expect(cutAfter).toBeLessThan(1_000 + 2_000)
    expect(mutation.connection.received()).not.toMatch(/HTTP\/1\.1 [2-5]\d\d/)
    expect(await project.exited, project.output()).toBe(0)
    expect(performance.now() - signalled).toBeLessThan(1_000 + 3_000)
    expect(project.output()).toContain("Drained: cut")
  })
})
