import { Effect, Schedule } from "effect"
import type { Redis } from "ioredis"
import { call } from "./redis/client"
import type { DocId } from "@low/core"
import type { Keys } from "./redis/keys"
import { decodeJson, ProjectedNotice, ReplyNotice, Reply } from "./messages"

const parseReply = decodeJson(Reply)
const parseReplyNotice = decodeJson(ReplyNotice)
const parseProjected = decodeJson(ProjectedNotice)

interface MarkWaiter {
  readonly channel: string
  readonly stream: string
  readonly version: number
  /** Called once, when the stream is projected up to `version`. */
  readonly reached: () => void
}

/**
 * The resolver of a bff instance: it tells a caller the reply to its delivery, and then when the projectors have
 * reached the versions the reply names, through callbacks, so a command waits without a fiber or scope of its own. Everything it waits for is in Redis; pub/sub only wakes it early. A sweep re-reads
 * Redis for whatever has waited longer than `sweepEvery` (one MGET and one HMGET per channel, however many
 * wait), which covers a lost message, a reconnect, or a reply to a delivery another instance sent.
 */
export const makeResolver = ({
  redis,
  subscriber,
  keys,
  instance,
  documentsChanged = () => undefined,
  sweepEvery = 200
}: {
  readonly redis: Redis
  readonly subscriber: Redis
  readonly keys: Keys
  readonly instance: string
  /** Told the documents the projectors say they changed (undefined: unnamed), for their readers (see `RedisStore`). */
  readonly documentsChanged?: (docs: ReadonlyArray<DocId> | undefined) => void
  readonly sweepEvery?: number
}) =>
  Effect.gen(function* () {
    const replyTo = keys.replies(instance)
    const replies = new Map<string, { readonly deliver: (reply: Reply) => void; readonly since: number }>()
    const marks = new Map<string, Set<MarkWaiter>>()
    const markKey = (channel: string, stream: string) => `${channel}\u0000${stream}`

    const answer = (attempt: string, reply: Reply) => {
      const waiting = replies.get(attempt)
      if (waiting === undefined) return
      replies.delete(attempt)
      waiting.deliver(reply)
    }
    /** Forgets a waiter; false when it was already gone (reached or given up). */
    const unregister = (waiter: MarkWaiter) => {
      const key = markKey(waiter.channel, waiter.stream)
      const set = marks.get(key)
      if (set === undefined || !set.delete(waiter)) return false
      if (set.size === 0) marks.delete(key)
      return true
    }
    const reached = (channel: string, stream: string, version: number) => {
      for (const waiter of marks.get(markKey(channel, stream)) ?? []) {
        if (waiter.version <= version && unregister(waiter)) waiter.reached()
      }
    }
    const onMessage = (channel: string, message: string) => {
      try {
        if (channel === replyTo) {
          const { attempt, reply } = parseReplyNotice(message)
          answer(attempt, reply)
        } else if (channel === keys.projectedChannel) {
          const notice = parseProjected(message)
          for (const [stream, version] of notice.marks) reached(notice.channel, stream, version)
          documentsChanged(notice.docs)
        }
      } catch {
        // A malformed notice wakes nobody; the sweep still resolves the waiters.
      }
    }
    subscriber.on("message", onMessage)
    yield* Effect.addFinalizer(() => Effect.sync(() => subscriber.off("message", onMessage)))
    yield* call(() => subscriber.subscribe(replyTo, keys.projectedChannel)).pipe(
      Effect.retry(Schedule.spaced("1 second")),
      Effect.forkScoped
    )

    const sweep = Effect.gen(function* () {
      const before = Date.now() - sweepEvery
      const late = [...replies].filter(([, w]) => w.since < before).map(([attempt]) => attempt)
      if (late.length > 0) {
        const found = yield* call(() => redis.mget(late.map(keys.reply)))
        found.forEach((json, i) => json != null && answer(late[i]!, parseReply(json)))
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
      /**
       * Calls `deliver` once with the reply to `attempt`; listen before the command is sent. The returned function
       * stops listening.
       */
      onReply: (attempt: string, deliver: (reply: Reply) => void): (() => void) => {
        replies.set(attempt, { deliver, since: Date.now() })
        return () => void replies.delete(attempt)
      },
      /**
       * Calls `done` once every stream of `targets` is projected from `channel` up to its version. The returned
       * function stops waiting.
       */
      whenProjected: (channel: string, targets: ReadonlyArray<readonly [string, number]>, done: () => void): (() => void) => {
        let left = targets.length
        if (left === 0) {
          done()
          return () => undefined
        }
        const waiters = targets.map(
          ([stream, version]): MarkWaiter => ({
            channel,
            stream,
            version,
            reached: () => void (--left === 0 && done())
          })
        )
        for (const waiter of waiters) {
          const key = markKey(channel, waiter.stream)
          marks.set(key, (marks.get(key) ?? new Set()).add(waiter))
        }
        // Registered first, then read once: the projectors may have got there before the reply did.
        for (const { stream } of waiters)
          redis.hget(keys.projected(channel), stream).then(
            (v) => void (v != null && reached(channel, stream, Number(v))),
            () => undefined
          )
        return () => waiters.forEach(unregister)
      }
    }
  })

export type Resolver = Effect.Effect.Success<ReturnType<typeof makeResolver>>
