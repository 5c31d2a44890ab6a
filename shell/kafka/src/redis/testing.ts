import { randomBytes } from "node:crypto"
import { Redis } from "ioredis"

/** The Redis tests run against: REDIS_URL, or the local default. */
export const testRedisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379"

/** A key prefix no other run shares. */
export const testPrefix = (label: string) => `test-${label}-${randomBytes(5).toString("hex")}:`

const connect = async <A>(use: (redis: Redis) => Promise<A>): Promise<A> => {
  const redis = new Redis(testRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null })
  redis.on("error", () => undefined)
  try {
    await redis.connect()
  } catch (error) {
    // Never a skip: a test that needs Redis fails when there is none.
    throw new Error(`Redis is needed at ${testRedisUrl} (set REDIS_URL): ${String(error)}`)
  }
  try {
    return await use(redis)
  } finally {
    redis.disconnect()
  }
}

/** Fails unless Redis answers. */
export const requireRedis = () => connect((redis) => redis.ping()).then(() => undefined)

/** Every key under `prefix`, with its type-appropriate contents, for comparing two sets of read models. */
export const dumpKeys = (prefix: string, patterns: ReadonlyArray<string>) =>
  connect(async (redis) => {
    const dump: Record<string, unknown> = {}
    for (const pattern of patterns) {
      for await (const keys of redis.scanStream({ match: `${prefix}${pattern}`, count: 1000 }) as AsyncIterable<Array<string>>) {
        for (const key of keys) {
          const type = await redis.type(key)
          dump[key.slice(prefix.length)] =
            type === "hash"
              ? await redis.hgetall(key)
              : type === "zset"
                ? await redis.zrange(key, 0, -1, "WITHSCORES")
                : await redis.get(key)
        }
      }
    }
    return dump
  })

/** Deletes every key under `prefix`. */
export const dropKeys = (prefix: string) =>
  connect(async (redis) => {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<Array<string>>) {
      if (keys.length > 0) await redis.unlink(...keys)
    }
  })
