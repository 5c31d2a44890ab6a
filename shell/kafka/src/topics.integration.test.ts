import { ConfigProvider, Effect, Either } from "effect"
import kafkajs, { type Admin } from "kafkajs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ensureTopics } from "./client"
import { kafkaSettings, namesOf } from "./config"
import { dropTestData, requireServices, testAdmin, testSettings } from "./testing"

const settings = testSettings("topics")
const names = namesOf(settings)

beforeAll(() => requireServices(), 60_000)
afterAll(() => dropTestData(settings), 60_000)

/** The settings a process reads from `env`. */
const settingsFrom = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(kafkaSettings, ConfigProvider.fromMap(new Map(Object.entries(env))))))

describe("the replication of the topics created on start", () => {
  it("given no setting, then the cluster's defaults; given both, both", () => {
    const read = settingsFrom({})
    expect(Either.isRight(read) && read.right.replication).toEqual({ factor: undefined, minInsync: undefined })
    const cluster = settingsFrom({ KAFKA_REPLICATION_FACTOR: "3", KAFKA_MIN_INSYNC_REPLICAS: "2" })
    expect(Either.isRight(cluster) && cluster.right.replication).toEqual({ factor: 3, minInsync: 2 })
  })

  it.each([
    ["more in-sync copies than copies", { KAFKA_REPLICATION_FACTOR: "2", KAFKA_MIN_INSYNC_REPLICAS: "3" }],
    ["no copy", { KAFKA_REPLICATION_FACTOR: "0" }],
    ["no in-sync copy", { KAFKA_MIN_INSYNC_REPLICAS: "0" }]
  ])("given %s, then the start stops, naming both settings", (_, env) => {
    const read = settingsFrom(env)
    expect(Either.isLeft(read) && String(read.left)).toContain(
      "KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS must be at least 1, and the second at most the first"
    )
  })

  /** Runs `use` with an admin client, disconnected afterwards whatever happens. */
  const withAdmin = async (use: (admin: Admin) => Promise<void>) => {
    const admin = await testAdmin(settings)
    try {
      await use(admin)
    } finally {
      await admin.disconnect()
    }
  }

  /** The topic's settings that are its own, not the broker's (its defaults, or its server.properties). */
  const ownConfigs = async (admin: Admin, topic: string) => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ["min.insync.replicas", "retention.ms"] }]
    })
    return Object.fromEntries(
      resources[0]!.configEntries
        .filter((c) => c.configSource === kafkajs.ConfigSource.TOPIC_CONFIG)
        .map((c) => [c.configName, c.configValue])
    )
  }

  it("given a replication, when the topics are created, then they have its copies and its min.insync.replicas as their own", async () => {
    const topic = names.topic("replicated")
    await withAdmin(async (admin) => {
      await Effect.runPromise(ensureTopics(admin, [topic], 2, { "retention.ms": "-1" }, { factor: 1, minInsync: 1 }))
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] })
      expect(metadata.topics[0]!.partitions.map((p) => p.replicas.length)).toEqual([1, 1])
      expect(await ownConfigs(admin, topic)).toEqual({ "min.insync.replicas": "1", "retention.ms": "-1" })
    })
  })

  it("given no replication, when the topics are created, then the cluster's defaults decide", async () => {
    const topic = names.topic("cluster-default")
    await withAdmin(async (admin) => {
      await Effect.runPromise(ensureTopics(admin, [topic], 1))
      expect(await ownConfigs(admin, topic)).toEqual({})
    })
  })

  it("given more copies than the cluster has brokers, when the topics are created, then it fails at once, naming the setting, and creates nothing", async () => {
    const topic = names.topic("over-replicated")
    await withAdmin(async (admin) => {
      const started = performance.now()
      const exit = await Effect.runPromise(Effect.either(ensureTopics(admin, [topic], 1, {}, { factor: 2, minInsync: 1 })))
      expect(Either.isLeft(exit) && String((exit.left.cause as Error).message)).toContain("KAFKA_REPLICATION_FACTOR")
      expect(performance.now() - started).toBeLessThan(5_000)
      expect(await admin.listTopics()).not.toContain(topic)
    })
  })
})
