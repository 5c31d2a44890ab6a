import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { caughtUp, namesOf } from "@low/kafka"
import { dropTestData, envOf, requireServices, testAdmin, testSettings } from "@low/kafka/testing"
import { connectRaw, listening, gql, halfSentPost, printed, spawnProject, type ProjectProcess } from "@low/testing"

const settings = testSettings("shutdown")
// Topics and groups of its own: no process of the other test shares its groups.
const commitSettings = testSettings("shutdown-commits")
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
  await dropTestData(commitSettings)
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

  it("given offsets that wait for the commit interval, when SIGTERM stops the process, then it commits them as it stops: the handlers and the projectors have read their topics to the end", {
    timeout: 240_000
  }, async () => {
    const project = spawnProject("graphql-kafka", {
      // An interval that never passes here: only the first batch of each consumer is committed before the stop.
      env: { ...envOf(commitSettings), KAFKA_COMMIT_INTERVAL_MS: "600000", ROLE: "bff,handler,projector" }
    })
    started.push(project)
    const url = await listening(project)
    const id = `commits-${Date.now().toString(36)}`
    await gql(url, `mutation { openWallet(owner: "o", id: "${id}") { id } }`)
    for (let i = 0; i < 5; i++) {
      const credited = await gql<{ credit: { balance: number } }>(url, `mutation { credit(walletId: "${id}", amount: 1) { balance } }`)
      expect(credited.body, project.output()).toStrictEqual({ data: { credit: { balance: i + 1 } } })
    }
    // Each answer came after its command's batch and its event's batch were marked handled (in the microtasks right
    // after the reply and the notice went out, before the bff can hear either): what is not committed at the stop is
    // read again by the next process.
    project.child.kill("SIGTERM")
    expect(await project.exited, project.output()).toBe(0)

    const names = namesOf(commitSettings)
    const admin = await testAdmin(commitSettings)
    try {
      const read = async (group: string, channel: string) => Effect.runPromise(caughtUp(admin, group, [names.topic(channel)]))
      expect({
        handlers: await read(names.handlersGroup, "wallet-commands"),
        projectors: await read(names.projectorsGroup, "wallet-events")
      }).toStrictEqual({ handlers: true, projectors: true })
    } finally {
      await admin.disconnect()
    }
  })
})
