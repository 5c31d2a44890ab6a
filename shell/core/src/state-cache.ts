import { Effect, FiberRef, Option, type Schema } from "effect"
import { EntityStates, type PortFailure, type Versioned } from "@low/functions"
import { EventStore, type Commit } from "./event-store"

/**
 * Whether a lookup must read the store itself rather than a cache of it. The executor sets it to decide again a
 * command that was rejected on a cached state. (After a write conflict no flag is needed: the cache drops the
 * states of a commit that failed, so the retry reads them.)
 */
export const readThrough: FiberRef.FiberRef<boolean> = FiberRef.unsafeMake(false)

interface Entry {
  readonly schema: Schema.Schema<any, any>
  readonly found: Option.Some<Versioned<unknown>>
}

/**
 * Entity states kept in the process after each lookup and commit, so that a command on a state this process last
 * wrote or read needs no read from the store, and the commit is its only round trip.
 *
 * Another instance may have moved a state since, so a cached state may be stale. That is safe because of how the
 * executor uses it: a commit is checked against the stored version, so a command decided on a stale state fails
 * with a WriteConflict (the entry is dropped, and the retry reads through); and a command rejected on a cached
 * state is decided again on a state read through (`lookupsMayLag`), so no rejection rests on a stale one.
 * At most `capacity` states are kept, the least recently used dropped first.
 */
export const withStateCache = (
  ports: { readonly states: EntityStates["Type"]; readonly events: EventStore["Type"] },
  capacity: number
): { readonly states: EntityStates["Type"]; readonly events: EventStore["Type"] } => {
  const entries = new Map<string, Entry>()

  // States only move forward: an older version than the one kept (a read that raced a commit) is ignored.
  const keep = (stream: string, schema: Schema.Schema<any, any>, found: Option.Some<Versioned<unknown>>) => {
    const kept = entries.get(stream)
    if (kept !== undefined) {
      if (kept.found.value.version > found.value.version) return
      entries.delete(stream)
    } else if (entries.size >= capacity) {
      entries.delete(entries.keys().next().value!)
    }
    entries.set(stream, { schema, found })
  }

  const committed = (commit: Commit) => {
    for (const op of commit.ops)
      if (op._tag === "SaveState")
        keep(op.stream, op.schema, Option.some({ version: op.version, state: op.state }) as Option.Some<Versioned<unknown>>)
  }

  // After a failed commit the stored states are unknown (a conflict says they moved): the next lookup reads them.
  const forget = (commit: Commit) => {
    for (const op of commit.ops) if (op._tag !== "Claim") entries.delete(op.stream)
  }

  const states = EntityStates.of({
    get: <S, I>(stream: string, schema: Schema.Schema<S, I>) =>
      Effect.withFiberRuntime<Option.Option<Versioned<S>>, PortFailure>((fiber) => {
        const kept = entries.get(stream)
        if (kept !== undefined && kept.schema === schema && !fiber.getFiberRef(readThrough)) {
          entries.delete(stream)
          entries.set(stream, kept)
          return Effect.succeed(kept.found as Option.Option<Versioned<S>>)
        }
        return Effect.tap(ports.states.get(stream, schema), (found) => {
          if (Option.isSome(found)) keep(stream, schema, found)
        })
      })
  })

  const events = EventStore.of({
    ...ports.events,
    lookupsMayLag: true,
    commit: (commit) =>
      Effect.tapBoth(ports.events.commit(commit), {
        onSuccess: () => Effect.sync(() => committed(commit)),
        onFailure: () => Effect.sync(() => forget(commit))
      })
  })

  return { states, events }
}
