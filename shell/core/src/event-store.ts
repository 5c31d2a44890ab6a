import { Context } from "effect"
import type { Effect, Option, Schema } from "effect"
import type { PortFailure, StoredEvent, ViewChange, WriteOp } from "@low/functions"
import type { WriteConflict } from "./errors"
import { encodedBy } from "./schema-cache"

/** An event as committed, with its place in the whole log. */
export interface Committed extends StoredEvent<{ readonly _tag: string }> {
  /** Position in the log; increasing in commit order within one stream. */
  readonly position: number
  /** The trace of the command that wrote it, where spans are recorded and its store keeps them. */
  readonly traceparent?: string | undefined
}

/** Everything one accepted command writes, committed together or not at all. */
export interface Commit {
  /** `<handler>/<entity>`: the scope of the commandId. */
  readonly entity: string
  readonly commandId: string
  /** The normalized command, to tell a retry from a different command with the same commandId. */
  readonly fingerprint: string
  readonly at: string
  readonly ops: ReadonlyArray<WriteOp>
  /** The schema of the appended events, for a store that keeps them encoded; without it they are kept as they are. */
  readonly events?: Schema.Schema<any, any>
  /** Read-model changes to commit with each event (projectors run inline). */
  readonly project: (event: StoredEvent<{ readonly _tag: string }>) => ReadonlyArray<ViewChange>
  /** The span of the commit, where spans are recorded: a store that keeps it with the events lets their readers continue the trace. */
  readonly traceparent?: string | undefined
}

/** The event store: commits a command's writes atomically and remembers which commandIds it accepted. */
export class EventStore extends Context.Tag("low/core/EventStore")<
  EventStore,
  {
    readonly commit: (commit: Commit) => Effect.Effect<ReadonlyArray<Committed>, WriteConflict | PortFailure>
    /** The fingerprint of the command accepted with this commandId on this entity, if any. */
    readonly accepted: (entity: string, commandId: string) => Effect.Effect<Option.Option<string>, PortFailure>
    /**
     * Whether the states lookups read may lag behind writes of other processes (a cache in front of the store):
     * the executor then decides a rejected command again on states read with `readThrough`.
     */
    readonly lookupsMayLag?: boolean
  }
>() {}

/** How a store that keeps events encoded writes one of `commit`'s: by its event schema, or as it is without one. */
export const eventEncoderOf = (commit: Commit): ((event: { readonly _tag: string }) => unknown) =>
  commit.events === undefined ? (event) => event : encodedBy(commit.events)

/** The events a commit's Append ops produce, numbered after each stream's expected version. */
export const eventsOf = (commit: Commit): Array<StoredEvent<{ readonly _tag: string }>> => {
  const stored: Array<StoredEvent<{ readonly _tag: string }>> = []
  for (const op of commit.ops) {
    if (op._tag !== "Append") continue
    for (let i = 0; i < op.events.length; i++) {
      const version = op.expectedVersion + i + 1
      stored.push({
        id: `${op.stream}@${version}`,
        stream: op.stream,
        version,
        event: op.events[i]!,
        commandId: commit.commandId,
        at: commit.at
      })
    }
  }
  return stored
}
