import { Effect, Option } from "effect"
import type { Redis } from "ioredis"
import type { PortFailure } from "@low/functions"
import { Views, type Doc, type ItemsPage } from "@low/core"
import { call, defineScript } from "./client"
import { versionField, type Keys } from "./keys"
import { projectScript, type ScriptArgs } from "./lua"

const parseDoc = (hash: Record<string, string>): Option.Option<Doc> => {
  const fields = Object.entries(hash).filter(([field]) => field !== versionField)
  if (fields.length === 0 && hash[versionField] === undefined) return Option.none()
  return Option.some(Object.fromEntries(fields.map(([field, value]) => [field, JSON.parse(value) as unknown])))
}

/** Members are `<order>|<item JSON>`: the order prefix keeps two items with equal content distinct. */
const parseItem = (member: string) => {
  const bar = member.indexOf("|")
  return { order: Number(member.slice(0, bar)), item: JSON.parse(member.slice(bar + 1)) as Doc }
}

/**
 * The read side in Redis: a hash per document, a sorted set per collection; `onChange` hears of the changes the
 * projectors announce, where a bff's resolver passes them on (see `RedisStore`).
 */
export const makeRedisViews = (redis: Redis, keys: Keys, onChange: NonNullable<Views["Type"]["onChange"]>) =>
  Views.of({
    onChange,
    doc: (view, key) =>
      Effect.map(
        call(() => redis.hgetall(keys.doc(view, key))),
        parseDoc
      ),
    items: (view, key, { first, before }) =>
      Effect.map(
        call(() =>
          redis.zrevrangebyscore(keys.items(view, key), before === undefined ? "+inf" : `(${before}`, "-inf", "LIMIT", 0, first + 1)
        ),
        (members): ItemsPage => ({ items: members.slice(0, first).map(parseItem), more: members.length > first })
      )
  })

/** What a projection did: applied, or nothing because Redis holds less of the partition than it follows on. */
export type Projection = { readonly _tag: "Applied" } | { readonly _tag: "Behind"; readonly held: bigint }

const applied: Projection = { _tag: "Applied" }

/** Applies encoded view changes (see lua.ts) in one atomic script call. */
export const makeProjection = (redis: Redis) => {
  const project = defineScript(redis, "lowProject", projectScript)
  return (args: ScriptArgs): Effect.Effect<Projection, PortFailure> =>
    args.args.length === 0
      ? Effect.succeed(applied)
      : Effect.map(project(args.keys, args.args), (reply) => {
          const [status, held] = reply as [string, string | undefined]
          return status === "behind" ? { _tag: "Behind", held: BigInt(held!) } : applied
        })
}
