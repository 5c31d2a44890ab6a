import { spawn, type ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import { createServer, type AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Redis } from "ioredis"
import { eventually } from "@low/testing"

/** The Redis tests run against: REDIS_URL, or the local default. */
export const testRedisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379"

/** A key prefix no other run shares. */
export const testPrefix = (label: string) => `test-${label}-${randomBytes(5).toString("hex")}:`

const connect = async <A>(use: (redis: Redis) => Promise<A>, url = testRedisUrl): Promise<A> => {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null })
  redis.on("error", () => undefined)
  try {
    await redis.connect()
  } catch (error) {
    // Never a skip: a test that needs Redis fails when there is none.
    throw new Error(`Redis is needed at ${url} (set REDIS_URL): ${String(error)}`)
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

/** Deletes every key under `prefix`, or those that match one of `patterns` after it. */
export const dropKeys = (prefix: string, patterns: ReadonlyArray<string> = ["*"]) =>
  connect(async (redis) => {
    for (const pattern of patterns)
      for await (const keys of redis.scanStream({ match: `${prefix}${pattern}`, count: 1000 }) as AsyncIterable<Array<string>>) {
        if (keys.length > 0) await redis.unlink(...keys)
      }
  })

/**
 * A Redis server of the test's own (the machine's `redis-server`, keeping nothing on disk unless told to snapshot)
 * on a free port, which the test may kill and start again, empty or from its last snapshot, without touching the
 * Redis other tests share.
 */
export const privateRedis = async () => {
  const dir = await mkdtemp(join(tmpdir(), "low-redis-"))
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
    probe.on("error", reject)
  })
  const url = `redis://127.0.0.1:${port}`
  let server: ChildProcess | undefined
  const start = async () => {
    const child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--dbfilename", "snapshot.rdb"],
      { stdio: "ignore" }
    )
    server = child
    const spawned = await new Promise<unknown>((resolve) => {
      child.once("spawn", () => resolve(undefined))
      child.once("error", resolve)
    })
    if (spawned !== undefined) throw new Error(`redis-server is needed for this test: ${String(spawned)}`)
    await eventually(
      () => {
        if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`)
        return connect((redis) => redis.ping(), url).then(
          () => true,
          () => false
        )
      },
      { what: `redis-server answering on port ${port}`, withinMs: 10_000, everyMs: 50 }
    )
  }
  const kill = () =>
    new Promise<void>((resolve) => {
      if (server === undefined || server.exitCode !== null || server.signalCode !== null) return resolve()
      server.once("exit", () => resolve())
      server.kill("SIGKILL")
    })
  await start()
  return {
    url,
    /** kill -9, then a new server on the same port: everything it held is gone. */
    restartEmpty: async () => {
      await kill()
      await rm(join(dir, "snapshot.rdb"), { force: true })
      await start()
    },
    /** Saves what it holds now to its snapshot file (SAVE). */
    snapshot: () => connect((redis) => redis.save(), url).then(() => undefined),
    /** kill -9, then a new server on the same port that loads the last snapshot: every write since it is gone. */
    restartFromSnapshot: async () => {
      await kill()
      await start()
    },
    stop: async () => {
      await kill()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** Hears every message on `channel` of the Redis at `url` from now on; answers how to stop. */
export const subscribed = async (url: string, channel: string, heard: (message: string) => void) => {
  const subscriber = new Redis(url, { maxRetriesPerRequest: 0, connectTimeout: 3_000 })
  subscriber.on("error", () => undefined)
  subscriber.on("message", (_channel: string, message: string) => heard(message))
  await subscriber.subscribe(channel)
  return () => subscriber.quit().then(() => undefined)
}
