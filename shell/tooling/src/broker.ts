import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Effect } from "effect"
import { Kafka, logLevel } from "kafkajs"

const script = fileURLToPath(new URL("../kafka/broker.sh", import.meta.url))
const local = /^(127\.0\.0\.1|localhost|\[?::1\]?):\d+$/

/** Whether a Kafka broker answers at `brokers` within a few seconds. */
export const brokerAnswers = (brokers: ReadonlyArray<string>) =>
  Effect.tryPromise(async () => {
    const admin = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING, connectionTimeout: 1_000, retry: { retries: 1 } }).admin()
    try {
      await admin.connect()
      await admin.describeCluster()
    } finally {
      await admin.disconnect()
    }
  }).pipe(
    Effect.as(true),
    Effect.orElseSucceed(() => false)
  )

/**
 * Makes sure a broker answers at `brokers`: when none does and the address is local, starts the development
 * broker (shell/tooling/kafka/broker.sh, which waits until the broker answers); a remote address is never started.
 */
export const ensureBroker = (brokers: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    if (yield* brokerAnswers(brokers)) return
    const first = brokers[0] ?? ""
    if (!local.test(first)) return yield* Effect.fail(new Error(`no Kafka broker answers at ${brokers.join(",")}`))
    yield* Effect.logInfo("no Kafka broker answers; starting the development broker", { brokers: first })
    yield* Effect.tryPromise({
      try: () => promisify(execFile)("bash", [script, "start"], { env: { ...process.env, KAFKA_BROKERS: first }, timeout: 180_000 }),
      catch: (cause) => new Error(`could not start a Kafka broker at ${first}: ${String((cause as { stderr?: unknown }).stderr ?? cause)}`)
    })
  })
