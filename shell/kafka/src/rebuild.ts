import { randomUUID } from "node:crypto"
import { Data, Effect, Layer } from "effect"
import type { Domain } from "@low/functions"
import { call, RedisClient } from "./redis/client"
import { RedisStore } from "./redis/store"
import { kafkaCall, KafkaClient } from "./client"
import { namesOf, type KafkaSettings } from "./config"
import { awaitCaughtUp } from "./lag"
import { runProjectors } from "./projector"

/** Deletes every read model under the prefix (documents, collections, projected versions and offsets). */
export const clearReadModels = Effect.gen(function* () {
  const { redis, prefix } = yield* RedisClient
  for (const pattern of ["doc:*", "items:*", "projected:*", "offsets:*"]) {
    let cursor = "0"
    do {
      const [next, found] = yield* call(() => redis.scan(cursor, "MATCH", `${prefix}${pattern}`, "COUNT", 1000))
      if (found.length > 0) yield* call(() => redis.unlink(...found))
      cursor = next
    } while (cursor !== "0")
  }
})

/** The events topics no longer hold their first records (deleted by retention or by hand): no replay is whole. */
export class LogTruncated extends Data.TaggedError("LogTruncated")<{
  readonly partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly firstOffset: string }>
}> {
  override get message() {
    const where = this.partitions.map((p) => `${p.topic} partition ${p.partition} starts at offset ${p.firstOffset}`).join("; ")
    return `the events topics no longer hold every event (${where}), so the read models cannot be rebuilt from them`
  }
}

/** Fails with LogTruncated when a partition of `topics` has lost its first records. */
export const requireWholeLog = (topics: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const { admin } = yield* KafkaClient
    const offsets = yield* Effect.forEach(topics, (topic) =>
      Effect.map(
        kafkaCall(() => admin.fetchTopicOffsets(topic)),
        (partitions) => partitions.map((p) => ({ topic, ...p }))
      )
    )
    const truncated = offsets.flat().filter((p) => BigInt(p.low) > 0n)
    if (truncated.length > 0)
      return yield* new LogTruncated({ partitions: truncated.map((p) => ({ topic: p.topic, partition: p.partition, firstOffset: p.low })) })
  })

/** The events topics the projectors of `domains` read. */
const eventsTopicsOf = (domains: ReadonlyArray<Domain>, settings: KafkaSettings) => [
  ...new Set(domains.flatMap((d) => d.projectors).map((p) => namesOf(settings).topic(p.reads)))
]

/** The Kafka and Redis clients of `settings`, and the Redis store the projectors write to. */
const servicesOf = (settings: KafkaSettings) =>
  RedisStore.layer().pipe(
    Layer.provideMerge(
      Layer.merge(KafkaClient.layer(settings), RedisClient.layer({ url: settings.redisUrl, prefix: settings.redisPrefix }))
    )
  )

const replay = (domains: ReadonlyArray<Domain>, settings: KafkaSettings) =>
  Effect.gen(function* () {
    const handlers = domains.flatMap((d) => d.handlers)
    const projectors = domains.flatMap((d) => d.projectors)
    const names = namesOf(settings)
    const groupId = `${names.projectorsGroup}.replay-${randomUUID()}`
    const { admin } = yield* KafkaClient
    const topics = eventsTopicsOf(domains, settings)
    yield* Effect.scoped(
      Effect.gen(function* () {
        const { joined } = yield* runProjectors({ handlers, projectors, groupId })
        yield* joined
        yield* awaitCaughtUp(admin, groupId, topics)
      })
    )
    yield* Effect.promise(() => admin.deleteGroups([groupId]).catch(() => undefined))
    const ends = yield* Effect.forEach(topics, (topic) => kafkaCall(() => admin.fetchTopicOffsets(topic)))
    // The events read: every message of the topics, duplicates included.
    return ends.flat().reduce((n, { high, low }) => n + Number(high) - Number(low), 0)
  })

/**
 * Replays the events topics from the beginning into the read models of `settings.redisPrefix`, with a consumer
 * group of its own, and returns once it has caught up with the topics' ends (the group is deleted then), with the
 * number of events read.
 */
export const replayReadModels = (domains: ReadonlyArray<Domain>, settings: KafkaSettings) =>
  replay(domains, settings).pipe(Effect.provide(servicesOf(settings)))

/**
 * Rebuilds the read models of `settings.redisPrefix`: makes sure the events topics still hold every event, clears
 * the read models, and replays them, on one set of clients. A log that lost its first records fails before
 * anything is cleared.
 */
export const rebuildReadModels = (domains: ReadonlyArray<Domain>, settings: KafkaSettings) =>
  Effect.gen(function* () {
    yield* requireWholeLog(eventsTopicsOf(domains, settings))
    yield* clearReadModels
    return yield* replay(domains, settings)
  }).pipe(Effect.provide(servicesOf(settings)))
