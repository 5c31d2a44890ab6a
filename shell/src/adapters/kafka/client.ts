import { Context, Effect, Layer, Runtime, Schedule } from "effect"
import { Kafka, logLevel, type Admin, type LogEntry } from "kafkajs"
import type { HealthCheck } from "../../health"
import type { KafkaSettings } from "./config"

/** A failure of Kafka itself (connect, produce, admin), as opposed to a failure of the work around it. */
export const kafkaFailure = (cause: unknown) => ({ _tag: "KafkaFailure" as const, cause })
export type KafkaFailure = ReturnType<typeof kafkaFailure>

/** Runs one kafkajs call as an Effect. */
export const kafkaCall = <A>(run: () => Promise<A>): Effect.Effect<A, KafkaFailure> =>
  Effect.tryPromise({ try: run, catch: kafkaFailure })

// kafkajs logs its own retries at ERROR; they are worth a warning, and its INFO chatter a debug line.
const forward = (runtime: Runtime.Runtime<never>) => () => ({ namespace, level, log }: LogEntry) => {
  const { message, timestamp: _, ...extra } = log
  const line = `kafkajs ${namespace}: ${message}`
  const effect = level <= logLevel.WARN ? Effect.logWarning(line, extra) : Effect.logDebug(line, extra)
  Runtime.runFork(runtime)(effect)
}

/** The deployment's Kafka client and an admin client kept for topic creation and health checks. */
export class KafkaClient extends Context.Tag("low/shell/adapters/kafka/KafkaClient")<
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

/** Creates the topics that are missing (existing ones are kept as they are) and waits for their leaders. */
export const ensureTopics = (admin: Admin, topics: ReadonlyArray<string>, partitions: number) =>
  kafkaCall(() =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [...new Set(topics)].map((topic) => ({ topic, numPartitions: partitions }))
    })
  ).pipe(Effect.retry(Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(10)))))

/** `/healthz`'s question to Kafka: the cluster's metadata. */
export const kafkaHealth = (admin: Admin): HealthCheck => ({ name: "kafka", check: kafkaCall(() => admin.describeCluster()) })
