import { Context, Effect, Either, FiberRef, Layer, Option, type Schema } from "effect"
import { EntityStates, PortFailure, UniqueIndex, type StoredEvent, type WriteOp } from "@low/functions"
import { WriteConflict } from "@low/core"
import { EventStore, eventEncoderOf, eventsOf, type Commit, type Committed } from "@low/core"
import { decodedBy, encodedBy } from "@low/core"
import { makeDocWatch, Views } from "@low/core"
import { call, defineScript, RedisClient } from "./client"
import { keysOf } from "./keys"
import { commitScript, pushChanges, ScriptArgs } from "./lua"
import type { CommitRecord } from "../messages"
import { makeOutbox } from "./outbox"
import { makeProjection, makeRedisViews } from "./views"
import { stallAt, stallsWanted } from "../test-hooks"

type Event = { readonly _tag: string }

export interface RedisStoreOptions {
  /**
   * Also keep each commit's events in an outbox, encoded by the commit's event schema (as they are without one),
   * until their publisher marks them published: the events then survive a crash between the commit and their
   * publication.
   */
  readonly outbox?: boolean
  /**
   * Decide nothing unless the state is known to hold everything the event log says (`keys.stateFromLog` is
   * there): a Redis restarted empty or flushed fails every commit with PortFailure until it has been caught up.
   */
  readonly fromLog?: boolean
}

/** The last version each stream reached in a commit: what a reader waits for to see the commit projected. */
export const targetsOf = (events: ReadonlyArray<StoredEvent<Event>>): Array<readonly [string, number]> => [
  ...new Map(events.map((e) => [e.stream, e.version] as const)).entries()
]

const corrupt = (cause: unknown) => new PortFailure({ dependency: "redis", cause })

/** Why a commit was refused when Redis lacks what the event log holds. */
export const behindTheLog = "Redis does not hold the state the events topics say yet (restarted empty or flushed): catching up"

/**
 * Who may write for one partition of a consumer group: the owners hash, the partition's field in it and the token
 * its owner was given (see fence.ts). A commit made with a fence is refused once the token is no longer there.
 */
export interface Fence {
  readonly owners: string
  readonly field: string
  readonly token: string
}

/**
 * The fence the commits of the running fiber (and the fibers it starts) are made with: a consumer sets it for a
 * batch of a partition with `Effect.locally`, and the Executor's commits for that batch carry it.
 */
export const CurrentFence = FiberRef.unsafeMake<Fence | undefined>(undefined)

/** Why a write with a fence was refused: another member owns the partition now, or Redis lost who owns it. */
export const fencedOff = {
  fenced: "another member of the group owns this partition now",
  unowned: "Redis holds no owner for this partition (it lost them): the group must assign its partitions again"
} as const

const causeOf = (e: unknown) => (e as { readonly cause?: unknown } | undefined)?.cause

/** Whether `e` (a PortFailure, or the Unavailable the Executor makes of it) is a write refused by its fence. */
export const isFencedOff = (e: unknown) => {
  const cause = causeOf(e)
  return cause === fencedOff.fenced || cause === fencedOff.unowned
}

/**
 * Whether `e` is a write Redis refused, by its fence or for lack of the log's state: the writer must not try it
 * again (its batch is decided anew where it is delivered again), unlike Redis briefly away.
 */
export const isRefusal = (e: unknown) => causeOf(e) === behindTheLog || isFencedOff(e)

/** The failure of a write its fence refused, and why. */
export const fencedOffBy = (why: keyof typeof fencedOff) => new PortFailure({ dependency: "redis", cause: fencedOff[why] })

/** The failure a script's status says Redis refused the write with ('behind', 'fenced', 'unowned'), if it does. */
export const refusalOf = (status: unknown): PortFailure | undefined =>
  status === "behind"
    ? new PortFailure({ dependency: "redis", cause: behindTheLog })
    : status === "fenced" || status === "unowned"
      ? fencedOffBy(status)
      : undefined

/** Every port in Redis, with the extras the Kafka deployment builds on (projection writes, the outbox). */
export const makeRedisStore = ({ redis, prefix }: RedisClient["Type"], options: RedisStoreOptions = {}) => {
  const keys = keysOf(prefix)
  const watch = makeDocWatch()
  const commitLua = defineScript(redis, "lowCommit", commitScript)
  const of = <T extends WriteOp["_tag"]>(ops: ReadonlyArray<WriteOp>, tag: T) =>
    ops.filter((op): op is Extract<WriteOp, { _tag: T }> => op._tag === tag)

  const commit = (c: Commit): Effect.Effect<ReadonlyArray<Committed>, WriteConflict | PortFailure> =>
    Effect.flatMap(FiberRef.get(CurrentFence), (fence) => {
      const events = eventsOf(c)
      const args = new ScriptArgs()
      const accepted = JSON.stringify({ f: c.fingerprint, t: targetsOf(events) })
      args.push(options.fromLog === true ? args.key(keys.stateFromLog) : "0")
      args.push(args.key(keys.accepted(c.entity)), c.commandId, accepted)
      if (fence === undefined) args.push("0", "", "")
      else args.push(args.key(fence.owners), fence.field, fence.token)
      const appends = of(c.ops, "Append")
      args.push(appends.length)
      for (const op of appends) args.push(args.key(keys.stream(op.stream)), op.expectedVersion, op.expectedVersion + op.events.length)
      const claims = of(c.ops, "Claim")
      args.push(claims.length)
      for (const op of claims) args.push(args.key(keys.unique(op.index)), op.key, op.owner)
      const states = of(c.ops, "SaveState").map((op) => [op.stream, op.version, JSON.stringify(encodedBy(op.schema)(op.state))] as const)
      args.push(states.length)
      for (const [stream, version, state] of states) args.push(args.key(keys.stream(stream)), version, state)
      args.push(events.length, args.key(keys.position))
      // With an outbox (the events are published to a log), the commit's last event carries what it wrote besides.
      const record: CommitRecord | undefined =
        options.outbox === true
          ? { entity: c.entity, accepted, claims: claims.map((op) => [op.index, op.key, op.owner] as const), states }
          : undefined
      const withRecord = <E>(list: ReadonlyArray<E>) =>
        list.map((e, i) => (i === list.length - 1 && record !== undefined ? { ...e, commit: record } : e))
      if (options.outbox !== true) args.push("0", "")
      else {
        const encode = eventEncoderOf(c)
        const encoded = withRecord(events.map((e) => ({ ...e, event: encode(e.event) })))
        args.push(args.key(keys.outbox(c.entity)), JSON.stringify(encoded))
      }
      for (const event of events) pushChanges(args, keys, c.project(event), event.version)
      return Effect.flatMap(
        commitLua(args.keys, args.args),
        (reply): Effect.Effect<ReadonlyArray<Committed>, WriteConflict | PortFailure> => {
          const [status, value] = reply as [string, string]
          const refusal = refusalOf(status)
          if (refusal !== undefined) return Effect.fail(refusal)
          if (status === "conflict") return Effect.fail(new WriteConflict({ reason: value }))
          const first = Number(value) - events.length + 1
          return Effect.succeed(withRecord(events.map((event, i): Committed => ({ ...event, position: first + i }))))
        }
      )
    })

  const accepted = (entity: string, commandId: string) =>
    Effect.map(
      call(() => redis.hget(keys.accepted(entity), commandId)),
      (value) => Option.map(Option.fromNullable(value), (json) => (JSON.parse(json) as { f: string }).f)
    )

  const decodeState = <S, I>(schema: Schema.Schema<S, I>, version: string, state: string) =>
    Effect.try({ try: () => JSON.parse(state) as unknown, catch: corrupt }).pipe(
      Effect.flatMap((json) => Either.mapLeft(decodedBy(schema)(json) as Either.Either<S, unknown>, corrupt)),
      Effect.map((decoded) => ({ version: Number(version), state: decoded }))
    )

  return {
    keys,
    /** Applies encoded view changes atomically: the projectors' write. */
    project: makeProjection(redis),
    outbox: makeOutbox(redis, keys),
    ports: {
      states: EntityStates.of({
        get: (stream, schema) =>
          Effect.flatMap(
            call(() => redis.hmget(keys.stream(stream), "sv", "st")),
            ([version, state]) =>
              version == null || state == null ? Effect.succeed(Option.none()) : Effect.asSome(decodeState(schema, version, state))
          )
      }),
      unique: UniqueIndex.of({
        get: (index, key) =>
          Effect.map(
            call(() => redis.hget(keys.unique(index), key)),
            Option.fromNullable
          )
      }),
      events: EventStore.of({
        commit: (c) => (stallsWanted ? Effect.zipRight(stallAt("decided", [c.commandId]), commit(c)) : commit(c)),
        accepted
      }),
      views: makeRedisViews(redis, keys, watch.onChange)
    },
    /** The documents the projectors announce they changed (all, unnamed): their readers read again (a bff's resolver tells). */
    documentsChanged: watch.documentsChanged
  }
}

export type RedisStoreShape = ReturnType<typeof makeRedisStore>

/** The Redis store itself, for the consumers that project into it and publish its outbox. */
export class RedisStore extends Context.Tag("low/kafka/redis/RedisStore")<RedisStore, RedisStoreShape>() {
  /** Every port backed by the Redis of `RedisClient`. */
  static readonly layer = (options: RedisStoreOptions = {}) =>
    Layer.effectContext(
      Effect.map(RedisClient, (client) => {
        const store = makeRedisStore(client, options)
        return Context.make(RedisStore, store).pipe(
          Context.add(EntityStates, store.ports.states),
          Context.add(UniqueIndex, store.ports.unique),
          Context.add(EventStore, store.ports.events),
          Context.add(Views, store.ports.views)
        )
      })
    )
}
