import { randomUUID } from "node:crypto"
import { Effect, Layer } from "effect"
import type { Domain } from "@low/functions"
import { call, RedisClient } from "../redis/client"
import { RedisStore } from "../redis/store"
import { kafkaCall, KafkaClient } from "./client"
import { namesOf, type KafkaSettings } from "./config"
import { awaitCaughtUp } from "./lag"
import { runProjectors } from "./projector"

/** Deletes every read model under the prefix (documents, collections, projected versions). */
export const clearReadModels = Effect.gen(function* () {
  const { redis, prefix } = yield* RedisClient
  for (const pattern of ["doc:*", "items:*", "projected:*"]) {
    let cursor = "0"
    do {
      const [next, found] = yield* call(() => redis.scan(cursor, "MATCH", `${prefix}${pattern}`, "COUNT", 1000))
      if (found.length > 0) yield* call(() => redis.unlink(...found))
      cursor = next
    } while (cursor !== "0")
  }
})

/**
 * Replays the events topics from the beginning into the read models of `settings.redisPrefix`, with a consumer
 * group of its own, and returns once it has caught up with the topics' ends (the group is deleted then), with the
 * number of events read.
 */
export const replayReadModels = (domains: ReadonlyArray<Domain>, settings: KafkaSettings) =>
  Effect.gen(function* () {
    const handlers = domains.flatMap((d) => d.handlers)
    const projectors = domains.flatMap((d) => d.projectors)
    const names = namesOf(settings)
    const groupId = `${names.projectorsGroup}.replay-${randomUUID()}`
    const { admin } = yield* KafkaClient
    const topics = [...new Set(projectors.map((p) => names.topic(p.reads)))]
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
  }).pipe(
    Effect.provide(
      RedisStore.layer().pipe(
        Layer.provideMerge(Layer.merge(KafkaClient.layer(settings), RedisClient.layer({ url: settings.redisUrl, prefix: settings.redisPrefix })))
      )
    )
  )
