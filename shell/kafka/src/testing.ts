import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Duration, Effect } from "effect"
import { AssignerProtocol, Kafka, logLevel, type Admin } from "kafkajs"
import { eventually } from "@low/testing"
import { dropKeys, requireRedis } from "./redis/testing"
import { fastRebalance, kafkaSettings, type KafkaSettings } from "./config"

const brokerScript = fileURLToPath(new URL("../../tooling/kafka/broker.sh", import.meta.url))

/** Starts the development broker unless one answers (idempotent), and checks Redis; either missing fails the test. */
export const requireServices = async () => {
  try {
    await promisify(execFile)("bash", [brokerScript, "start"], { timeout: 180_000 })
  } catch (error) {
    throw new Error(
      `Kafka is needed (shell/tooling/kafka/broker.sh start failed): ${String((error as { stderr?: unknown }).stderr ?? error)}`
    )
  }
  await requireRedis()
}

/** Settings from the environment with topics, groups and keys of this run only, and rebalances in seconds. */
export const testSettings = (label: string, overrides: Partial<KafkaSettings> = {}): KafkaSettings => {
  const run = `test-${label}-${randomBytes(4).toString("hex")}`
  return {
    ...Effect.runSync(kafkaSettings),
    clientId: run,
    topicPrefix: `${run}.`,
    groupPrefix: `${run}.`,
    redisPrefix: `${run}:`,
    consumer: fastRebalance,
    ...overrides
  }
}

/** The environment that makes a child process use `settings` (see config.ts). */
export const envOf = (settings: KafkaSettings): Record<string, string> => ({
  KAFKA_BROKERS: settings.brokers.join(","),
  KAFKA_TOPIC_PREFIX: settings.topicPrefix,
  KAFKA_GROUP_PREFIX: settings.groupPrefix,
  KAFKA_PARTITIONS: String(settings.partitions),
  REDIS_URL: settings.redisUrl,
  REDIS_KEY_PREFIX: settings.redisPrefix,
  COMMAND_TIMEOUT_MS: String(Duration.toMillis(settings.commandTimeout)),
  REPLY_TTL_MS: String(Duration.toMillis(settings.replyTtl)),
  KAFKA_SESSION_TIMEOUT_MS: String(settings.consumer.sessionTimeout),
  KAFKA_HEARTBEAT_INTERVAL_MS: String(settings.consumer.heartbeatInterval),
  KAFKA_REBALANCE_TIMEOUT_MS: String(settings.consumer.rebalanceTimeout),
  KAFKA_MAX_WAIT_MS: String(settings.consumer.maxWaitTimeInMs),
  KAFKA_COMMIT_INTERVAL_MS: String(settings.consumer.commitIntervalMs),
  KAFKA_CONCURRENCY: String(settings.consumer.partitionsConsumedConcurrently)
})

/** A connected admin client for the test's own checks. */
export const testAdmin = async (settings: KafkaSettings) => {
  const admin = new Kafka({ clientId: `${settings.clientId}-admin`, brokers: [...settings.brokers], logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  return admin
}

/** Sends `messages` to `topic` as they are, as any client could: for messages no part of the deployment would write. */
export const sendRaw = async (settings: KafkaSettings, topic: string, messages: ReadonlyArray<{ key: string; value: string }>) => {
  const producer = new Kafka({
    clientId: `${settings.clientId}-raw`,
    brokers: [...settings.brokers],
    logLevel: logLevel.NOTHING
  }).producer()
  await producer.connect()
  try {
    // In requests well under the broker's largest (1 MB by default).
    for (let at = 0; at < messages.length; at += 500) await producer.send({ topic, messages: messages.slice(at, at + 500) })
  } finally {
    await producer.disconnect()
  }
}

/**
 * The first `count` messages of `topic` (every partition; at least that many, more if they came in one fetch), read
 * from its start by a group of its own: key, value and headers as strings.
 */
export const readTopic = async (settings: KafkaSettings, topic: string, count: number) => {
  const kafka = new Kafka({ clientId: `${settings.clientId}-reader`, brokers: [...settings.brokers], logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: `${settings.groupPrefix}reader-${randomBytes(4).toString("hex")}`, maxWaitTimeInMs: 50 })
  const read: Array<{ readonly key?: string | undefined; readonly value?: string | undefined; readonly headers: Record<string, string> }> =
    []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) =>
        void read.push({
          key: message.key?.toString(),
          value: message.value?.toString(),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]))
        })
    })
    await eventually(() => read.length >= count, { what: `${count} messages of ${topic} read`, withinMs: 30_000, everyMs: 50 })
  } finally {
    await consumer.disconnect()
  }
  return read
}

/** Deletes the run's topics, consumer groups and Redis keys. */
export const dropTestData = async (settings: KafkaSettings) => {
  const admin = await testAdmin(settings)
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(settings.groupPrefix))
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined)
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(settings.topicPrefix))
    if (topics.length > 0) await admin.deleteTopics({ topics })
  } finally {
    await admin.disconnect()
  }
  await dropKeys(settings.redisPrefix)
}

/** The client id of the member of `groupId` that owns `partition` of `topic`, if the group is stable. */
export const ownerOf = async (admin: Admin, groupId: string, topic: string, partition: number) => {
  const { groups } = await admin.describeGroups([groupId])
  for (const member of groups[0]?.members ?? []) {
    const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment)
    if (decoded?.assignment[topic]?.includes(partition)) return member.clientId
  }
  return undefined
}

/** The client ids of the members of `groupId` that own partitions. */
export const membersOf = async (admin: Admin, groupId: string) => {
  const { groups } = await admin.describeGroups([groupId])
  return (groups[0]?.members ?? [])
    .filter((m) => Object.keys(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}).length > 0)
    .map((m) => m.clientId)
}

/** The partitions of `topic` that hold messages. */
export const partitionsWithData = async (admin: Admin, topic: string) =>
  (await admin.fetchTopicOffsets(topic)).filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => p.partition)
export * from "./redis/testing"
