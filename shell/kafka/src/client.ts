import { Context, Effect, Layer, Runtime, Schedule } from "effect"
// kafkajs is CommonJS: Node finds only some of its names as ESM exports, so the rest are read off the module.
import kafkajs, { Kafka, logLevel, type Admin, type LogEntry } from "kafkajs"
import type { HealthCheck } from "@low/core"
import type { KafkaSettings, Replication } from "./config"

/** A failure of Kafka itself (connect, produce, admin), as opposed to a failure of the work around it. */
export const kafkaFailure = (cause: unknown) => ({ _tag: "KafkaFailure" as const, cause })
export type KafkaFailure = ReturnType<typeof kafkaFailure>

/** Runs one kafkajs call as an Effect. */
export const kafkaCall = <A>(run: () => Promise<A>): Effect.Effect<A, KafkaFailure> => Effect.tryPromise({ try: run, catch: kafkaFailure })

// kafkajs logs its own retries at ERROR; they are worth a warning, and its INFO chatter a debug line.
const forward =
  (runtime: Runtime.Runtime<never>) =>
  () =>
  ({ namespace, level, log }: LogEntry) => {
    const { message, timestamp: _, ...extra } = log
    const line = `kafkajs ${namespace}: ${message}`
    const effect = level <= logLevel.WARN ? Effect.logWarning(line, extra) : Effect.logDebug(line, extra)
    Runtime.runFork(runtime)(effect)
  }

/** The deployment's Kafka client and an admin client kept for topic creation and health checks. */
export class KafkaClient extends Context.Tag("low/kafka/KafkaClient")<
  KafkaClient,
  { readonly kafka: Kafka; readonly admin: Admin; readonly settings: KafkaSettings }
>() {
  static readonly layer = (settings: KafkaSettings) =>
    Layer.scoped(
      KafkaClient,
      Effect.gen(function* () {
        const runtime = yield* Effect.runtime<never>()
        const kafka = new Kafka({
          clientId: settings.clientId,
          brokers: [...settings.brokers],
          logLevel: logLevel.INFO,
          logCreator: forward(runtime),
          connectionTimeout: 3_000,
          retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 8 }
        })
        const admin = kafka.admin()
        yield* Effect.acquireRelease(
          kafkaCall(() => admin.connect()).pipe(
            Effect.tapError(() => Effect.logWarning("kafka admin could not connect yet, retrying")),
            Effect.retry(Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(60))))
          ),
          () => Effect.promise(() => admin.disconnect())
        )
        return { kafka, admin, settings }
      })
    )
}

/**
 * An idempotent producer, connected for as long as the scope lives. Unbounded retries keep its sequence numbers
 * valid across a broker restart.
 */
export const connectedProducer = (kafka: Kafka) =>
  Effect.gen(function* () {
    const producer = kafka.producer({
      idempotent: true,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2_000 },
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false
    })
    yield* Effect.acquireRelease(
      kafkaCall(() => producer.connect()).pipe(Effect.retry(Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(60))))),
      () => Effect.promise(() => producer.disconnect())
    )
    return producer
  })

/**
 * Creates the topics that are missing, replicated as `replication` says, with `configs`, and waits for their
 * leaders; existing topics are kept as they are. What `replication` does not set, the cluster's defaults do. A
 * replication the cluster cannot hold (more copies than brokers) fails at once, naming it.
 */
export const ensureTopics = (
  admin: Admin,
  topics: ReadonlyArray<string>,
  partitions: number,
  configs: Readonly<Record<string, string>> = {},
  replication: Replication = {}
) =>
  kafkaCall(() =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [...new Set(topics)].map((topic) => ({
        topic,
        numPartitions: partitions,
        ...(replication.factor === undefined ? {} : { replicationFactor: replication.factor }),
        configEntries: Object.entries({
          ...configs,
          ...(replication.minInsync === undefined ? {} : { "min.insync.replicas": String(replication.minInsync) })
        }).map(([name, value]) => ({ name, value }))
      }))
    })
  ).pipe(
    Effect.retry({
      schedule: Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(10))),
      while: (f) => !overReplicated(f)
    }),
    Effect.mapError((failure) =>
      overReplicated(failure)
        ? kafkaFailure(
            new Error(
              `the cluster cannot hold ${replication.factor ?? "its default number of"} copies of each topic (KAFKA_REPLICATION_FACTOR)`
            )
          )
        : failure
    )
  )

/** Whether topics could not be created for a replication factor the cluster cannot hold: no use trying again. */
const overReplicated = ({ cause }: KafkaFailure) =>
  cause instanceof Error &&
  "errors" in cause &&
  Array.isArray(cause.errors) &&
  cause.errors.some((e: unknown) => e instanceof kafkajs.KafkaJSProtocolError && e.type === "INVALID_REPLICATION_FACTOR")

/** An events topic is the event log: its records are kept for good (the broker's default deletes them after 7 days). */
export const eventLogConfigs = { "retention.ms": "-1" } as const

/** The topics among `topics` whose records the broker deletes after a while, with their `retention.ms`. */
export const expiringTopics = (admin: Admin, topics: ReadonlyArray<string>) =>
  kafkaCall(() =>
    admin.describeConfigs({
      includeSynonyms: false,
      resources: [...new Set(topics)].map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name, configNames: ["retention.ms"] }))
    })
  ).pipe(
    Effect.map(({ resources }) =>
      resources.flatMap(({ resourceName, configEntries }) => {
        const retention = configEntries.find((c) => c.configName === "retention.ms")?.configValue
        return retention === undefined || retention === "-1" ? [] : [{ topic: resourceName, retentionMs: retention }]
      })
    )
  )

/** `/healthz`'s question to Kafka: the cluster's metadata. */
export const kafkaHealth = (admin: Admin): HealthCheck => ({ name: "kafka", check: kafkaCall(() => admin.describeCluster()) })
