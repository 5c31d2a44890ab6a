import { Effect } from "effect"
import type { ChainableCommander, Redis } from "ioredis"
import type { PortFailure, StoredEvent } from "@low/functions"
import { call } from "./client"
import type { Keys } from "./keys"

/** A committed event with its payload encoded, as the outbox keeps it and a log carries it. */
export interface EncodedEvent extends StoredEvent<unknown> {
  readonly position: number
}

/** What an accepted command left behind: its events still unpublished, and the version each stream reached. */
export interface Pending {
  readonly events: ReadonlyArray<EncodedEvent>
  readonly targets: ReadonlyArray<readonly [string, number]>
}

const parseEntry = (entry: string): ReadonlyArray<EncodedEvent> => {
  const bar = entry.indexOf("|")
  const first = Number(entry.slice(0, bar))
  const events = JSON.parse(entry.slice(bar + 1)) as ReadonlyArray<StoredEvent<unknown>>
  return events.map((event, i) => ({ ...event, position: first + i }))
}

/**
 * The outbox the commit script fills: a command's events stay there until their publisher marks them published,
 * so a publisher that died in between can publish them again when the command is redelivered.
 */
export const makeOutbox = (redis: Redis, keys: Keys) => ({
  /** For a command accepted before: what it left unpublished (nothing once marked) and its targets. */
  pending: (entity: string, commandId: string): Effect.Effect<Pending, PortFailure> =>
    Effect.map(
      Effect.all([call(() => redis.hget(keys.outbox(entity), commandId)), call(() => redis.hget(keys.accepted(entity), commandId))], {
        concurrency: 2
      }),
      ([entry, accepted]) => ({
        events: entry == null ? [] : parseEntry(entry),
        targets: accepted == null ? [] : (JSON.parse(accepted) as { t: Pending["targets"] }).t
      })
    ),
  /** Adds the mark to `pipeline`, to travel with the writes that follow publication. */
  markPublished: (pipeline: ChainableCommander, entity: string, commandId: string) => pipeline.hdel(keys.outbox(entity), commandId)
})
