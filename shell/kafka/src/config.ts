import { hostname } from "node:os"
import { Config, Duration, Option } from "effect"

/** Which of the four processes one process runs: a bff answers GraphQL, the others consume. */
export type Role = "bff" | "handler" | "projector" | "process-manager"
export const allRoles: ReadonlyArray<Role> = ["bff", "handler", "projector", "process-manager"]

/** Everything the Kafka deployment reads from its environment. */
export interface KafkaSettings {
  readonly brokers: ReadonlyArray<string>
  readonly clientId: string
  /** Prepended to every topic (and the default consumer group prefix). */
  readonly topicPrefix: string
  /** Partitions of each topic created on start. */
  readonly partitions: number
  /** The handlers' group is `<groupPrefix>handlers`, the projectors' `<groupPrefix>projectors`. */
  readonly groupPrefix: string
  readonly redisUrl: string
  readonly redisPrefix: string
  /** How long a bff waits for a command's outcome and projection before answering TIMEOUT. */
  readonly commandTimeout: Duration.Duration
  /** How long a delivery's outcome is kept: a redelivery within it is recognized and not decided again. */
  readonly replyTtl: Duration.Duration
  readonly consumer: ConsumerTuning
  /** How the topics created on start are replicated; what the cluster's own defaults say when absent. */
  readonly replication?: Replication
}

/**
 * How each topic created on start is replicated: `factor` copies on as many brokers, and a write acknowledged once
 * `minInsync` of them have it (producers ask every in-sync copy to acknowledge). What is not set is left to the
 * cluster's defaults (`default.replication.factor`, `min.insync.replicas`). Topics that exist are not changed.
 */
export interface Replication {
  readonly factor?: number | undefined
  readonly minInsync?: number | undefined
}

export interface ConsumerTuning {
  readonly sessionTimeout: number
  readonly heartbeatInterval: number
  readonly rebalanceTimeout: number
  /** Long-poll bound: an idle fetch returns after this, a fetch with data at once. */
  readonly maxWaitTimeInMs: number
  readonly partitionsConsumedConcurrently: number
  /**
   * The least time between two offset commits of a consumer: the offsets handled meanwhile go together in the next.
   * A longer one saves requests under load and reads more again after a crash, which changes nothing twice.
   */
  readonly commitIntervalMs: number
}

const int = (name: string, fallback: number) => Config.integer(name).pipe(Config.withDefault(fallback))
const str = (name: string, fallback: string) => Config.string(name).pipe(Config.withDefault(fallback))

/** KAFKA_BROKERS, REDIS_URL and the KAFKA_* / REDIS_* tuning, with defaults for a developer machine. */
export const kafkaSettings: Config.Config<KafkaSettings> = Config.all({
  brokers: Config.map(str("KAFKA_BROKERS", "127.0.0.1:9092"), (s) =>
    s
      .split(",")
      .map((b) => b.trim())
      .filter((b) => b !== "")
  ),
  clientId: str("KAFKA_CLIENT_ID", `low-${hostname()}-${process.pid}`),
  topicPrefix: str("KAFKA_TOPIC_PREFIX", "low."),
  partitions: int("KAFKA_PARTITIONS", 8),
  groupPrefix: Config.option(Config.string("KAFKA_GROUP_PREFIX")),
  redisUrl: str("REDIS_URL", "redis://127.0.0.1:6379"),
  redisPrefix: str("REDIS_KEY_PREFIX", "low:"),
  commandTimeout: Config.map(int("COMMAND_TIMEOUT_MS", 10_000), Duration.millis),
  replyTtl: Config.map(int("REPLY_TTL_MS", 600_000), Duration.millis),
  consumer: Config.all({
    sessionTimeout: int("KAFKA_SESSION_TIMEOUT_MS", 30_000),
    heartbeatInterval: int("KAFKA_HEARTBEAT_INTERVAL_MS", 3_000),
    rebalanceTimeout: int("KAFKA_REBALANCE_TIMEOUT_MS", 60_000),
    maxWaitTimeInMs: int("KAFKA_MAX_WAIT_MS", 20),
    partitionsConsumedConcurrently: int("KAFKA_CONCURRENCY", 8),
    commitIntervalMs: int("KAFKA_COMMIT_INTERVAL_MS", 100)
  }),
  replication: Config.all({
    factor: Config.option(Config.integer("KAFKA_REPLICATION_FACTOR")),
    minInsync: Config.option(Config.integer("KAFKA_MIN_INSYNC_REPLICAS"))
  }).pipe(
    Config.map(({ factor, minInsync }) => ({ factor: Option.getOrUndefined(factor), minInsync: Option.getOrUndefined(minInsync) })),
    Config.validate({
      message: "KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS must be at least 1, and the second at most the first",
      validation: ({ factor, minInsync }) =>
        (factor ?? 1) >= 1 && (minInsync ?? 1) >= 1 && (factor === undefined || minInsync === undefined || minInsync <= factor)
    })
  )
}).pipe(Config.map(({ groupPrefix, ...s }) => ({ ...s, groupPrefix: groupPrefix._tag === "Some" ? groupPrefix.value : s.topicPrefix })))

/** Consumer settings that notice a dead member within seconds: for tests, where waiting 30 s for a rebalance hurts. */
export const fastRebalance: ConsumerTuning = {
  sessionTimeout: 6_000,
  heartbeatInterval: 500,
  rebalanceTimeout: 6_000,
  maxWaitTimeInMs: 10,
  partitionsConsumedConcurrently: 8,
  commitIntervalMs: 100
}

/** The roles named by `--role a,b`, else by ROLE, else all of them. */
export const rolesOf = (argv: ReadonlyArray<string>, env: string | undefined = process.env["ROLE"]): ReadonlyArray<Role> => {
  const at = argv.indexOf("--role")
  const given = at < 0 ? env : (argv[at + 1] ?? "")
  if (given === undefined || given === "") return allRoles
  const named = given
    .split(",")
    .map((r) => r.trim())
    .filter((r) => r !== "")
  if (named.some((r) => !allRoles.includes(r as Role))) throw new Error(`roles are ${allRoles.join("|")} (comma-separated), got "${given}"`)
  return named as ReadonlyArray<Role>
}

/** Topic and group names of a deployment. */
export const namesOf = (settings: Pick<KafkaSettings, "topicPrefix" | "groupPrefix">) => ({
  topic: (channel: string) => `${settings.topicPrefix}${channel}`,
  handlersGroup: `${settings.groupPrefix}handlers`,
  projectorsGroup: `${settings.groupPrefix}projectors`,
  /** Each process manager reads in a group of its own. */
  processManagerGroup: (name: string) => `${settings.groupPrefix}process-manager.${name}`,
  /** Where messages that cannot be decoded or handled are set aside, with why (see dead-letters.ts). */
  deadLetters: `${settings.topicPrefix}${deadLettersChannel}`
})

/** The channel name the dead-letter topic takes, which no domain's channel may have. */
export const deadLettersChannel = "dead-letters"
