import { Context, Duration, Effect, Layer } from "effect"
import { Redis, type ChainableCommander, type RedisOptions } from "ioredis"
import { PortFailure } from "@low/functions"
import type { HealthCheck } from "@low/core"

export interface RedisSettings {
  readonly url: string
  /** Prepended to every key and channel, so several deployments or test runs share one Redis. */
  readonly prefix: string
}

/**
 * A down Redis fails a call at once instead of queueing it, and a reconnect never resends a write that may have
 * run: every write is an idempotent script anyway, but a caller must learn the outcome, not wait for it.
 */
const failFast: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  commandTimeout: 5_000,
  autoResendUnfulfilledCommands: false,
  enableAutoPipelining: true,
  retryStrategy: (times) => Math.min(50 * times, 1_000)
}

/** Opens a connection for as long as the scope lives; waits (bounded) for it to be ready, but never fails on it. */
export const openRedis = (url: string, options: RedisOptions = {}) =>
  Effect.acquireRelease(
    Effect.sync(() => new Redis(url, { ...failFast, ...options })),
    (redis) => Effect.promise(() => redis.quit().catch(() => redis.disconnect()))
  ).pipe(
    Effect.tap((redis) =>
      Effect.async<void>((resume) => {
        if (redis.status === "ready") return resume(Effect.void)
        redis.once("ready", () => resume(Effect.void))
      }).pipe(Effect.timeout(Duration.seconds(5)), Effect.ignore)
    ),
    Effect.tap((redis) =>
      Effect.sync(() =>
        redis.on("error", () => {
          // ioredis reports every failed reconnect here; the calls that fail report what matters.
        })
      )
    )
  )

/** Runs one Redis call, turning a rejection into the port's infrastructure failure. */
export const call = <A>(run: () => Promise<A>): Effect.Effect<A, PortFailure> =>
  Effect.tryPromise({ try: run, catch: (cause) => new PortFailure({ dependency: "redis", cause }) })

/** A connected client and the key prefix of this deployment. */
export class RedisClient extends Context.Tag("low/kafka/redis/RedisClient")<
  RedisClient,
  { readonly redis: Redis; readonly prefix: string }
>() {
  static readonly layer = (settings: RedisSettings) =>
    Layer.scoped(
      RedisClient,
      Effect.map(openRedis(settings.url), (redis) => ({ redis, prefix: settings.prefix }))
    )
}

/**
 * What a restart of Redis would lose, from its `appendonly` and `save` settings: everything since the last
 * snapshot unless the append-only file is on. Undefined when Redis keeps every write in it.
 */
export const restartLoss = (config: { readonly appendonly: string; readonly save: string }): string | undefined =>
  config.appendonly === "yes"
    ? undefined
    : config.save.trim() === ""
      ? "everything: appendonly is off and no snapshots are saved"
      : `every write since the last snapshot: appendonly is off (save "${config.save}")`

/** `restartLoss` of the Redis behind `redis`; undefined too when it will not say (CONFIG is often disabled). */
export const redisRestartLoss = (redis: Redis) =>
  call(() => Promise.all([redis.config("GET", "appendonly"), redis.config("GET", "save")])).pipe(
    Effect.map(([appendonly, save]) =>
      restartLoss({ appendonly: String((appendonly as Array<string>)[1] ?? ""), save: String((save as Array<string>)[1] ?? "") })
    ),
    Effect.orElseSucceed(() => undefined)
  )

/** `/healthz`'s question to Redis. */
export const redisHealth = (redis: Redis): HealthCheck => ({ name: "redis", check: call(() => redis.ping()) })

/** A Lua script, run by its digest (loaded on first use): `keys` are named so the script's footprint is explicit. */
export const defineScript = (redis: Redis, name: string, lua: string) => {
  redis.defineCommand(name, { lua })
  const command = (redis as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>)[name]!
  return (keys: ReadonlyArray<string>, args: ReadonlyArray<string>): Effect.Effect<unknown, PortFailure> =>
    call(() => command.call(redis, keys.length, ...keys, ...args))
}

/** Adds a call of the script `defineScript` named `name` to `pipeline`. */
export const inPipeline = (pipeline: ChainableCommander, name: string, keys: ReadonlyArray<string>, args: ReadonlyArray<string>) =>
  (pipeline as unknown as Record<string, (...args: Array<string | number>) => ChainableCommander>)[name]!(keys.length, ...keys, ...args)

/** A second connection for pub/sub: it queues its (idempotent) subscriptions while down and renews them on reconnect. */
export const openSubscriber = (redis: Redis) =>
  Effect.acquireRelease(
    Effect.sync(() => redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true })),
    (subscriber) => Effect.promise(() => subscriber.quit().catch(() => subscriber.disconnect()))
  ).pipe(Effect.tap((subscriber) => Effect.sync(() => subscriber.on("error", () => {}))))
