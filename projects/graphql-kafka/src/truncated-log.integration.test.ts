import { afterAll, describe, expect, it } from "vitest"
import { namesOf } from "@low/kafka"
import { dropTestData, requireServices, sendRaw, testAdmin, testSettings } from "@low/kafka/testing"
import { errorCode, gql, listening } from "@low/testing"
import { startProcess, type KafkaProcess } from "./testing/processes"

const settings = testSettings("truncated-log")
let started: KafkaProcess | undefined
afterAll(async () => {
  await started?.stop("SIGKILL")
  await dropTestData(settings)
}, 60_000)

describe("graphql-kafka over an events topic that lost its first records", () => {
  it("given a wallet events topic whose first record was deleted (as a retention would), when a process starts, then it stays up and says why it decides nothing: /healthz 503 on the handler state, commands UNAVAILABLE, the loss logged", {
    timeout: 180_000
  }, async () => {
    await requireServices()
    const admin = await testAdmin(settings)
    const topic = namesOf(settings).topic("wallet-events")
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] })
      await sendRaw(settings, topic, [
        { key: "lost", value: "{}" },
        { key: "kept", value: "{}" }
      ])
      await admin.fetchTopicMetadata({ topics: [topic] })
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: "1" }] })
    } finally {
      await admin.disconnect()
    }

    started = startProcess(settings, ["bff", "handler", "projector"], "all")
    const url = await listening(started)
    const health = await fetch(new URL("/healthz", url))
    expect(health.status).toBe(503)
    expect(await health.text()).toContain("handler state")
    expect(errorCode(await gql(url, `mutation { openWallet(owner: "Ada") { id } }`))).toBe("UNAVAILABLE")
    expect(started.output()).toContain("no longer hold every event")
    expect(started.child.exitCode).toBeNull()
  })
})
