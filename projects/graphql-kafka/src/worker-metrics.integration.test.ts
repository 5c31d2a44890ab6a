import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startServer, type RunningServer } from "@low/graphql"
import { namesOf } from "@low/kafka"
import { dropTestData, envOf, requireServices, sendRaw, testSettings } from "@low/kafka/testing"
import { eventually, gql, listening, spawnProject, type ProjectProcess } from "@low/testing"
import { metricsUrl, parseExposition, scrape } from "@low/testing/metrics"
import { testDomains } from "./testing/domains"
import { GraphqlKafka } from "./main"

const settings = testSettings("workers")
const names = namesOf(settings)
let workers: ProjectProcess | undefined
let bff: RunningServer | undefined
let base = ""

beforeAll(async () => {
  await requireServices()
  // A process without the bff role serves no API: with METRICS_PORT (0: any free port) it serves /metrics and /healthz.
  workers = spawnProject("graphql-kafka", {
    args: ["--role", "handler,projector"],
    env: { ...envOf(settings), KAFKA_CLIENT_ID: `${settings.clientId}-workers`, METRICS_PORT: "0" }
  })
  base = new URL("/", await listening(workers)).toString()
  bff = await startServer(GraphqlKafka({ port: 0, domains: testDomains }, settings, ["bff"]))
}, 240_000)

afterAll(async () => {
  await bff?.close()
  await workers?.stop()
  await dropTestData(settings)
}, 120_000)

describe("graphql-kafka workers with METRICS_PORT", () => {
  it("given a handler and projector process, when GET /healthz and /graphql, then healthy, and no API", async () => {
    const health = await fetch(new URL("/healthz", base))
    expect(health.status, await health.text()).toBe(200)
    expect((await fetch(new URL("/graphql", base), { method: "POST" })).status).toBe(404)
  })

  it("given mutations sent through a bff, when the workers' /metrics is read, then each group's lag on each topic is there and falls to 0, and Kafka and Redis are up", async () => {
    const id = `w-${settings.clientId}`
    const opened = await gql(bff!.url, `mutation { openWallet(owner: "Ada", id: "${id}") { id } }`)
    expect(opened.body.errors, workers!.output().slice(-2000)).toBeUndefined()
    for (let i = 0; i < 3; i++)
      expect((await gql(bff!.url, `mutation { credit(walletId: "${id}", amount: 1) { balance } }`)).body.errors).toBeUndefined()
    const lag = (metrics: ReturnType<typeof parseExposition>, group: string, topic: string) => {
      const sample = metrics
        .samples("low_kafka_consumer_lag_messages")
        .find((s) => s.labels?.["group"] === group && s.labels["topic"] === topic)
      return sample === undefined ? undefined : Number(sample.value)
    }
    const read = async () => parseExposition((await scrape(metricsUrl(base))).text)
    const caughtUp = (metrics: ReturnType<typeof parseExposition>) =>
      lag(metrics, names.handlersGroup, names.topic("wallet-commands")) === 0 &&
      lag(metrics, names.projectorsGroup, names.topic("wallet-events")) === 0 &&
      metrics.value("low_projection_lag_events", { projector: "wallet-balance" }) === 0
    await eventually(async () => caughtUp(await read()), { what: "the workers' lags at 0", withinMs: 30_000, everyMs: 250 })
    const metrics = await read()
    expect(lag(metrics, names.handlersGroup, names.topic("customer-commands"))).toBe(0)
    expect(metrics.value("low_dependency_up", { dependency: "kafka" })).toBe(1)
    expect(metrics.value("low_dependency_up", { dependency: "redis" })).toBe(1)
    // The handler process answered no mutation: the bff counts them.
    expect(metrics.samples("low_commands_total")).toEqual([])
  })

  it("given a message that is no command and one that is no event, keyed like a wallet, when the workers read them, then both are set aside (counted in /healthz and /metrics), and that wallet's commands after them are answered", async () => {
    const id = `poison-${settings.clientId}`
    // Keyed as the wallet's commands and events are, so they share its partitions and would block them.
    await sendRaw(settings, names.topic("wallet-commands"), [{ key: id, value: "not a command" }])
    await sendRaw(settings, names.topic("wallet-events"), [{ key: id, value: '{"id":"no event"}' }])
    const opened = await gql(bff!.url, `mutation { openWallet(owner: "Ada", id: "${id}") { id } }`)
    expect(opened.body.errors, workers!.output().slice(-2000)).toBeUndefined()
    const credited = await gql(bff!.url, `mutation { credit(walletId: "${id}", amount: 7) { balance } }`)
    expect(credited.body).toEqual({ data: { credit: { balance: 7 } } })
    const health = async () => (await fetch(new URL("/healthz", base))).json() as Promise<{ status: string; deadLetters?: number }>
    // Dead letters are sent at least once: a batch delivered again before its offset was committed sends its own again.
    await eventually(async () => ((await health()).deadLetters ?? 0) >= 2, {
      what: "/healthz showing the two dead letters",
      withinMs: 30_000,
      everyMs: 250
    })
    expect(await health()).toEqual({ status: "ok", deadLetters: expect.any(Number) })
    const metrics = parseExposition((await scrape(metricsUrl(base))).text)
    expect(
      metrics.value("low_dead_letters_total", { group: names.handlersGroup, topic: names.topic("wallet-commands") })
    ).toBeGreaterThanOrEqual(1)
    expect(
      metrics.value("low_dead_letters_total", { group: names.projectorsGroup, topic: names.topic("wallet-events") })
    ).toBeGreaterThanOrEqual(1)
    expect(workers!.output()).toContain("message put in the dead-letter topic")
  })
})
