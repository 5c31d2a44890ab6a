import { Effect, Layer } from "effect"
import type { Domain } from "@low/functions"
import { Executor, partsOf as runnable } from "@low/core"
import { Health } from "@low/core"
import { RedisClient, redisHealth, redisRestartLoss } from "./redis/client"
import { RedisStore } from "./redis/store"
import { ensureTopics, eventLogConfigs, expiringTopics, KafkaClient, kafkaHealth } from "./client"
import { KafkaCommandBus } from "./command-bus"
import { deadLettersChannel, namesOf, type KafkaSettings, type Role } from "./config"
import { deadLetterCount } from "./dead-letters"
import { handlerStateHealth, runHandlers } from "./handler"
import { rebuildingHealth, runProjectors } from "./projector"
import { runProcessManagers } from "./process-manager"
import { lagMetrics } from "./lag-metrics"

export interface KafkaDeploymentOptions {
  readonly domains: ReadonlyArray<Domain>
  readonly settings: KafkaSettings
  /** The roles this process runs besides answering GraphQL (a bff always answers it). */
  readonly roles: ReadonlyArray<Role>
}

const partsOf = ({ domains, settings, roles }: KafkaDeploymentOptions) => {
  const { handlers, projectors, processManagers } = runnable(domains)
  const names = namesOf(settings)

  const infrastructure = Layer.merge(
    KafkaClient.layer(settings),
    RedisClient.layer({ url: settings.redisUrl, prefix: settings.redisPrefix })
  )
  // The executor hands each commit its handler's event schema, which encodes the events the outbox keeps.
  // Commits are refused while Redis lacks the state the events topics say (see runHandlers).
  const store = RedisStore.layer({ outbox: true, fromLog: true })
  const eventsTopics = handlers.map((h) => names.topic(h.writes))
  const channels = [...handlers.flatMap((h) => [h.reads, h.writes]), ...projectors.map((p) => p.reads)]
  // On start: the topics, and a warning for each thing that would lose acknowledged commands or hold them up.
  const prepared = Layer.effectDiscard(
    Effect.gen(function* () {
      const { admin } = yield* KafkaClient
      if (channels.includes(deadLettersChannel))
        return yield* Effect.dieMessage(`"${deadLettersChannel}" is the dead-letter topic's channel: no domain's channel may be named so`)
      yield* ensureTopics(
        admin,
        handlers.map((h) => names.topic(h.reads)),
        settings.partitions,
        {},
        settings.replication
      )
      // Dead letters are kept for good, as the events are, until someone has looked at them.
      yield* ensureTopics(admin, [...eventsTopics, names.deadLetters], settings.partitions, eventLogConfigs, settings.replication)
      // A topic made elsewhere, or before, is not changed here: it is named, so that its owner can.
      const expiring = yield* expiringTopics(admin, eventsTopics).pipe(
        Effect.catchAll((failure) =>
          Effect.as(Effect.logWarning("could not read the events topics' retention", { cause: String(failure.cause) }), [])
        )
      )
      for (const { topic, retentionMs } of expiring)
        yield* Effect.logWarning("an events topic deletes its records: the event log and every rebuild lose them", {
          topic,
          retentionMs,
          fix: `kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config retention.ms=-1`
        })
      // What Redis holds comes back from the events topics after a restart empty (commands wait for it meanwhile);
      // a restart from a snapshot, or a failover to a replica that lags, keeps the mark and is not noticed.
      const loss = yield* Effect.flatMap(RedisClient, ({ redis }) => redisRestartLoss(redis))
      if (loss !== undefined)
        yield* Effect.logWarning(
          "a restart of Redis loses writes: a restart empty is caught up from the events topics, one from a snapshot is not",
          {
            loses: loss,
            fix: "appendonly yes and appendfsync always"
          }
        )
    })
  )
  const consumers = Layer.scopedDiscard(
    Effect.gen(function* () {
      const joined: Array<Effect.Effect<void>> = []
      if (roles.includes("handler")) joined.push((yield* runHandlers(handlers)).joined)
      if (roles.includes("projector")) joined.push((yield* runProjectors({ handlers, projectors })).joined)
      if (roles.includes("process-manager") && processManagers.length > 0)
        joined.push((yield* runProcessManagers({ handlers, processManagers })).joined)
      // Start serving once this process takes part in its groups, or after a while if a join is slow.
      yield* Effect.all(joined, { concurrency: "unbounded" }).pipe(Effect.timeout("30 seconds"), Effect.ignore)
    })
  ).pipe(Layer.provide(Executor.layer()))
  const health = Layer.effect(
    Health,
    Effect.gen(function* () {
      const { admin } = yield* KafkaClient
      const { redis } = yield* RedisClient
      const { keys } = yield* RedisStore
      return [
        kafkaHealth(admin),
        redisHealth(redis),
        ...rebuildingHealth(redis, keys),
        handlerStateHealth(redis, keys),
        { name: "deadLetters", reading: true, check: deadLetterCount(admin, names.deadLetters) } as const
      ]
    })
  )
  const bus = KafkaCommandBus({ handlers, projectedChannels: new Set(projectors.map((p) => p.reads)) })
  const base = Layer.provideMerge(store, infrastructure)
  const lags = lagMetrics(handlers, projectors)
  return { bus, consumers, health, lags, prepared, base }
}

/**
 * The Kafka deployment: Kafka carries commands and events, Redis holds state, outbox, read models and replies.
 * `server` gives a bff what it serves GraphQL with (and runs this process's other roles beside it); `workers`
 * runs handlers and/or projectors alone, with the health checks a metrics server asks. Topics are created on start;
 * consumer and projection lags are read on every metrics scrape.
 */
export const KafkaDeployment = {
  server: (options: KafkaDeploymentOptions) => {
    const { bus, consumers, health, lags, prepared, base } = partsOf(options)
    return Layer.mergeAll(bus, consumers, health, lags).pipe(Layer.provide(prepared), Layer.provideMerge(base))
  },
  workers: (options: KafkaDeploymentOptions) => {
    const { consumers, health, lags, prepared, base } = partsOf(options)
    return Layer.mergeAll(consumers, health, lags).pipe(Layer.provide(prepared), Layer.provide(base))
  }
}
