import { Deferred, Effect, Exit, FiberId, Schedule, type Scope } from "effect"
import type { Redis } from "ioredis"
import { call } from "../redis/client"
import type { Keys } from "../redis/keys"
import { decodeJson, ProjectedNotice, ReplyNotice, Reply } from "./messages"

const parseReply = decodeJson(Reply)
const parseReplyNotice = decodeJson(ReplyNotice)
const parseProjected = decodeJson(ProjectedNotice)

interface MarkWaiter {
  readonly channel: string
  readonly stream: string
  readonly version: number
  readonly done: Deferred.Deferred<void>
}

/**
 * The resolver of a bff instance: it waits for a delivery's reply and then for the projectors to reach the
 * versions the reply names. Everything it waits for is in Redis; pub/sub only wakes it early. A sweep re-reads
 * Redis for whatever has waited longer than `sweepEvery` (one MGET and one HMGET per channel, however many
 * wait), which covers a lost message, a reconnect, or a reply to a delivery another instance sent.
 */
export const makeResolver = ({ redis, subscriber, keys, instance, sweepEvery = 200 }: {
  readonly redis: Redis
  readonly subscriber: Redis
  readonly keys: Keys
  readonly instance: string
  readonly sweepEvery?: number
}) =>
  Effect.gen(function* () {
    const replyTo = keys.replies(instance)
    const replies = new Map<string, { readonly done: Deferred.Deferred<Reply>; readonly since: number }>()
    const marks = new Map<string, Set<MarkWaiter>>()
    const markKey = (channel: string, stream: string) => `${channel}\u0000${stream}`

    const reached = (channel: string, stream: string, version: number) => {
      for (const waiter of marks.get(markKey(channel, stream)) ?? []) {
        if (waiter.version <= version) Deferred.unsafeDone(waiter.done, Exit.void)
      }
    }
    const onMessage = (channel: string, message: string) => {
      try {
        if (channel === replyTo) {
          const { attempt, reply } = parseReplyNotice(message)
          const waiting = replies.get(attempt)
          if (waiting !== undefined) Deferred.unsafeDone(waiting.done, Exit.succeed(reply))
        } else if (channel === keys.projectedChannel) {
          const notice = parseProjected(message)
          for (const [stream, version] of notice.marks) reached(notice.channel, stream, version)
        }
      } catch {
        // A malformed notice wakes nobody; the sweep still resolves the waiters.
      }
    }
    subscriber.on("message", onMessage)
    yield* Effect.addFinalizer(() => Effect.sync(() => subscriber.off("message", onMessage)))
    yield* call(() => subscriber.subscribe(replyTo, keys.projectedChannel)).pipe(Effect.retry(Schedule.spaced("1 second")), Effect.forkScoped)

    const sweep = Effect.gen(function* () {
      const before = Date.now() - sweepEvery
      const late = [...replies].filter(([, w]) => w.since < before).map(([attempt]) => attempt)
      if (late.length > 0) {
        const found = yield* call(() => redis.mget(late.map(keys.reply)))
        found.forEach((json, i) => {
          const waiting = json == null ? undefined : replies.get(late[i]!)
          if (waiting !== undefined) Deferred.unsafeDone(waiting.done, Exit.succeed(parseReply(json!)))
        })
      }
      const byChannel = new Map<string, Set<string>>()
      for (const set of marks.values()) for (const w of set) byChannel.set(w.channel, (byChannel.get(w.channel) ?? new Set()).add(w.stream))
      for (const [channel, streams] of byChannel) {
        const list = [...streams]
        const versions = yield* call(() => redis.hmget(keys.projected(channel), ...list))
        versions.forEach((v, i) => v != null && reached(channel, list[i]!, Number(v)))
      }
    })
    yield* sweep.pipe(Effect.ignore, Effect.repeat(Schedule.spaced(sweepEvery)), Effect.forkScoped)

    return {
      /** The channel this instance's replies are published on. */
      replyTo,
      /** Starts listening for the reply to `attempt` (before the command is sent); the result waits for it. */
      expectReply: (attempt: string): Effect.Effect<Effect.Effect<Reply>, never, Scope.Scope> =>
        Effect.map(
          Effect.acquireRelease(
            Effect.sync(() => {
              const done = Deferred.unsafeMake<Reply>(FiberId.none)
              replies.set(attempt, { done, since: Date.now() })
              return done
            }),
            () => Effect.sync(() => replies.delete(attempt))
          ),
          Deferred.await
        ),
      /** Waits until every stream of `targets` is projected from `channel` up to its version. */
      projected: (channel: string, targets: ReadonlyArray<readonly [string, number]>): Effect.Effect<void> =>
        Effect.forEach(targets, ([stream, version]) => {
          const key = markKey(channel, stream)
          const waiter: MarkWaiter = { channel, stream, version, done: Deferred.unsafeMake<void>(FiberId.none) }
          const register = Effect.sync(() => marks.set(key, (marks.get(key) ?? new Set()).add(waiter)))
          const unregister = Effect.sync(() => {
            const set = marks.get(key)
            set?.delete(waiter)
            if (set?.size === 0) marks.delete(key)
          })
          // Registered first, then read once: the projectors may have got there before the reply did.
          const readNow = call(() => redis.hget(keys.projected(channel), stream)).pipe(
            Effect.map((v) => v != null && reached(channel, stream, Number(v))),
            Effect.ignore
          )
          return Effect.acquireUseRelease(register, () => Effect.zipRight(readNow, Deferred.await(waiter.done)), () => unregister)
        }, { discard: true })
    }
  })

export type Resolver = Effect.Effect.Success<ReturnType<typeof makeResolver>>
