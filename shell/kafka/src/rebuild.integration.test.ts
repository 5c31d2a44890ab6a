import { Effect, Layer } from "effect"
import { Redis } from "ioredis"
import kafkajs, { Kafka, logLevel } from "kafkajs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inviteCustomer, wallet } from "@low/functions"
import { ensureTopics, expiringTopics } from "./client"
import { namesOf } from "./config"
import { KafkaDeployment } from "./deployment"
import { rebuildReadModels } from "./rebuild"
import { dropTestData, requireServices, testAdmin, testSettings } from "./testing"

const domains = [wallet, inviteCustomer]
const settings = testSettings("log")
const names = namesOf(settings)
const eventsTopics = [names.topic("wallet-events"), names.topic("customer-events")]

beforeAll(async () => {
  await requireServices()
  // The topics as a deployment makes them when it starts (with no roles, it starts nothing else).
  await Effect.runPromise(Effect.scoped(Layer.build(KafkaDeployment.workers({ domains, settings, roles: [] }))))
}, 180_000)
afterAll(() => dropTestData(settings), 60_000)

describe("the events topics as the event log", () => {
  it("given the topics a deployment creates, then its events topics keep their records for good and its commands topics do not", async () => {
    const admin = await testAdmin(settings)
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [...eventsTopics, names.topic("wallet-commands")].map((name) => ({
          type: kafkajs.ConfigResourceTypes.TOPIC,
          name,
          configNames: ["retention.ms"]
        }))
      })
      const retention = Object.fromEntries(resources.map((r) => [r.resourceName, r.configEntries[0]?.configValue]))
      expect(retention[eventsTopics[0]!]).toBe("-1")
      expect(retention[eventsTopics[1]!]).toBe("-1")
      expect(retention[names.topic("wallet-commands")]).not.toBe("-1")

      // A topic made elsewhere keeps the broker's default, and is the one named in the start's warning.
      const elsewhere = names.topic("made-elsewhere")
      await Effect.runPromise(ensureTopics(admin, [elsewhere], 1))
      const expiring = await Effect.runPromise(expiringTopics(admin, [...eventsTopics, elsewhere]))
      expect(expiring.map((t) => t.topic)).toEqual([elsewhere])
    } finally {
      await admin.disconnect()
    }
  })

  it("given an events topic that lost its first records, when the read models are rebuilt, then it fails naming the partition and clears nothing", {
    timeout: 60_000
  }, async () => {
    const kafka = new Kafka({ clientId: `${settings.clientId}-producer`, brokers: [...settings.brokers], logLevel: logLevel.NOTHING })
    const producer = kafka.producer()
    await producer.connect()
    const [sent] = await producer.send({ topic: eventsTopics[0]!, messages: [{ key: "w-lost", value: "{}" }] })
    await producer.disconnect()
    const admin = await testAdmin(settings)
    try {
      // What the broker's retention does to old records (the admin must know the topic's leaders first).
      await admin.fetchTopicMetadata({ topics: [eventsTopics[0]!] })
      await admin.deleteTopicRecords({ topic: eventsTopics[0]!, partitions: [{ partition: sent!.partition, offset: "-1" }] })
    } finally {
      await admin.disconnect()
    }
    const redis = new Redis(settings.redisUrl)
    try {
      const kept = `${settings.redisPrefix}doc:wallets:w-kept`
      await redis.set(kept, "a read model the failed rebuild must leave alone")

      const failure = await Effect.runPromise(Effect.flip(rebuildReadModels(domains, settings)))
      expect(failure._tag).toBe("LogTruncated")
      expect(String((failure as { message?: unknown }).message)).toContain(
        `${eventsTopics[0]} partition ${sent!.partition} starts at offset 1`
      )
      expect(await redis.get(kept)).toBe("a read model the failed rebuild must leave alone")
    } finally {
      redis.disconnect()
    }
  })
})
