import { Effect, Layer } from "effect"
import { afterAll, beforeAll } from "vitest"
import { describePortContract } from "@low/testing/port-contract"
import { RedisClient } from "./client"
import { pushChanges, ScriptArgs } from "./lua"
import { RedisStore } from "./store"
import { dropKeys, requireRedis, testPrefix, testRedisUrl } from "./testing"

const prefix = testPrefix("ports")
beforeAll(requireRedis)
afterAll(() => dropKeys(prefix))

describePortContract("redis", () => RedisStore.layer().pipe(Layer.provideMerge(RedisClient.layer({ url: testRedisUrl, prefix }))), {
  applyChanges: (changes, version) =>
    Effect.flatMap(RedisStore, (store) => {
      const args = new ScriptArgs()
      pushChanges(args, store.keys, changes, version)
      return store.project(args)
    })
})
