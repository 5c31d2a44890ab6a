import { randomUUID } from "node:crypto"
import { Data, Effect, Either, Layer, Runtime } from "effect"
import type { KafkaMessage } from "kafkajs"
import type { Domain } from "@low/functions"
import { partsOf, type AnyHandler } from "@low/core"
import { call, defineScript, RedisClient } from "./redis/client"
import { keysOf, type Keys } from "./redis/keys"
import { replayScript, ScriptArgs } from "./redis/lua"
import { RedisStore } from "./redis/store"
import { kafkaCall, KafkaClient } from "./client"
import { namesOf, type KafkaSettings } from "./config"
import { awaitCaughtUp } from "./lag"
import { runConsumer } from "./consumer"
import { decodeJson, EventMessage } from "./messages"
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
  ...new Set(partsOf(domains).projectors.map((p) => namesOf(settings).topic(p.reads)))
]

/** The Kafka and Redis clients of `settings`, and the Redis store the projectors write to. */
const servicesOf = (settings: KafkaSettings) =>
  RedisStore.layer().pipe(
    Layer.provideMerge(
      Layer.merge(KafkaClient.layer(settings), RedisClient.layer({ url: settings.redisUrl, prefix: settings.redisPrefix }))
    )
  )

/**
 * Runs the group member `start` makes (in group `groupId`, its own) until the group has caught up with the ends of
 * `topics`, then stops it and deletes the group.
 */
const readToTheEnd = <E, R>(
  groupId: string,
  topics: ReadonlyArray<string>,
  start: Effect.Effect<{ readonly joined: Effect.Effect<void> }, E, R>
) =>
  Effect.gen(function* () {
    const { admin } = yield* KafkaClient
    yield* Effect.scoped(
      Effect.gen(function* () {
        const { joined } = yield* start
        yield* joined
        yield* awaitCaughtUp(admin, groupId, topics)
      })
    )
    yield* Effect.promise(() => admin.deleteGroups([groupId]).catch(() => undefined))
  })

const replay = (domains: ReadonlyArray<Domain>, settings: KafkaSettings) =>
  Effect.gen(function* () {
    const { handlers, projectors } = partsOf(domains)
    const names = namesOf(settings)
    const groupId = `${names.projectorsGroup}.replay-${randomUUID()}`
    const { admin } = yield* KafkaClient
    const topics = eventsTopicsOf(domains, settings)
    yield* readToTheEnd(groupId, topics, runProjectors({ handlers, projectors, groupId }))
    const ends = yield* Effect.forEach(topics, (topic) => kafkaCall(() => admin.fetchTopicOffsets(topic)))
    // The events read: every message of the topics, duplicates included.
    return ends.flat().reduce((n, { high, low }) => n + Number(high) - Number(low), 0)
  })

/**
 * Adds what `message` says its handler wrote to a replay script's arguments (see `replayScript`); false when it ends
 * a commit without saying what the commit wrote besides (an event written before commits carried their record).
 */
const pushReplayed = (args: ScriptArgs, keys: Keys, message: EventMessage) => {
  args.push("E", args.key(keys.stream(message.stream)), message.version, message.position)
  const record = message.commit
  if (record === undefined) return false
  args.push("C", args.key(keys.accepted(record.entity)), message.commandId, record.accepted, record.claims.length)
  for (const [index, key, owner] of record.claims) args.push(args.key(keys.unique(index)), key, owner)
  args.push(record.states.length)
  for (const [stream, version, state] of record.states) args.push(args.key(keys.stream(stream)), version, state)
  return true
}

const parseEvent = decodeJson(EventMessage)

/**
 * Replays the events topics `handlers` write, from the beginning, into their state in Redis (stream versions, saved
 * states, accepted commandIds, unique keys, the last position given), with a consumer group of its own, and returns
 * once it has caught up with the topics' ends, with the number of events read. It only raises what Redis holds, so
 * it may run over state that is there already. A log that lost its first records fails before anything is written;
 * streams whose events carry no commit record (written by an earlier version) get their versions but not their
 * states, and a warning says how many commits lacked one.
 */
export const catchUpHandlerState = (handlers: ReadonlyArray<AnyHandler>) =>
  Effect.gen(function* () {
    const { kafka, settings } = yield* KafkaClient
    const names = namesOf(settings)
    const topics = [...new Set(handlers.map((h) => names.topic(h.writes)))]
    yield* requireWholeLog(topics)
    const { redis, prefix } = yield* RedisClient
    const keys = keysOf(prefix)
    const replay = defineScript(redis, "lowReplay", replayScript)
    const groupId = `${names.handlersGroup}.replay-${randomUUID()}`
    const runtime = yield* Effect.runtime<never>()
    let read = 0
    // The commandIds of events met with no record after them yet: commits that never said what they wrote.
    const unrecorded = new Set<string>()
    const applyBatch = (messages: ReadonlyArray<KafkaMessage>) =>
      Effect.gen(function* () {
        for (let at = 0; at < messages.length; at += 256) {
          const args = new ScriptArgs()
          args.push(args.key(keys.position))
          for (const message of messages.slice(at, at + 256)) {
            const event = Either.try(() => parseEvent(message.value?.toString() ?? ""))
            if (Either.isRight(event)) {
              if (pushReplayed(args, keys, event.right)) unrecorded.delete(event.right.commandId)
              else unrecorded.add(event.right.commandId)
            } else yield* Effect.logWarning("not an event message: passed over", { offset: message.offset, cause: String(event.left) })
          }
          yield* replay(args.keys, args.args)
        }
        read += messages.length
        return undefined
      })
    yield* readToTheEnd(
      groupId,
      topics,
      runConsumer(kafka, {
        groupId,
        topics,
        fromBeginning: true,
        tuning: settings.consumer,
        eachBatch: (payload) => Runtime.runPromise(runtime)(applyBatch(payload.batch.messages))
      })
    )
    if (unrecorded.size > 0)
      yield* Effect.logWarning(
        "commits without a record in the events topics: their states, accepted commandIds and claims are not rebuilt",
        {
          commits: unrecorded.size
        }
      )
    return read
  })

/** `catchUpHandlerState` for the handlers of `domains`, on clients of its own made from `settings`. */
export const replayHandlerState = (domains: ReadonlyArray<Domain>, settings: KafkaSettings) =>
  catchUpHandlerState(partsOf(domains).handlers).pipe(Effect.provide(servicesOf(settings)))

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
