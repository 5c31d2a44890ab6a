import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dropTestData, envOf, requireServices, testSettings } from "@low/kafka/testing"
import { connectRaw, listening, gql, halfSentPost, printed, spawnProject, type ProjectProcess } from "@low/testing"

const settings = testSettings("shutdown")
const started: Array<ProjectProcess> = []

/** graphql-kafka with every role in one process, as `pnpm start graphql-kafka` runs it, once it listens. */
const start = async (env: Record<string, string> = {}) => {
  const project = spawnProject("graphql-kafka", { env: { ...envOf(settings), ...env } })
  started.push(project)
  const url = await listening(project)
  return { project, url }
}

beforeAll(() => requireServices())
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop("SIGKILL")))
  await dropTestData(settings)
}, 120_000)

describe("SIGTERM to graphql-kafka (bff, handler and projector in one process)", () => {
  it("given a mutation half sent, then no new connection, the mutation is answered after its trip through Kafka, the process exits 0, and a new process reads it back", {
    timeout: 240_000
  }, async () => {
    const { project, url } = await start({ HTTP_DRAIN_TIMEOUT_MS: "60000" })
    const id = `drain-${Date.now().toString(36)}`
    const mutation = await halfSentPost(
      url,
      JSON.stringify({ query: `mutation { openWallet(owner: "in flight", id: "${id}") { id owner } }` })
    )

    project.child.kill("SIGTERM")
    await printed(project, "Draining: new connections refused")
    await expect(connectRaw(url)).rejects.toMatchObject({ code: "ECONNREFUSED" })

    // The command goes to the commands topic, the handler and the projector of this same process, and back: all of
    // which must still be running while the server drains.
    mutation.rest()
    const response = await mutation.connection.response()
    expect(response.status, project.output()).toBe(200)
    expect(JSON.parse(response.body)).toStrictEqual({ data: { openWallet: { id, owner: "in flight" } } })
    expect(await project.exited, project.output()).toBe(0)

    const next = await start()
    const read = await gql<{ wallet: { owner: string } | null }>(next.url, `query { wallet(id: "${id}") { owner } }`)
    expect(read.body).toStrictEqual({ data: { wallet: { owner: "in flight" } } })
  })
})
