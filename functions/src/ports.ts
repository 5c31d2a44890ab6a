import { Context } from "effect"
import type { Effect, Option, Schema } from "effect"
import type { PortFailure } from "./protocol"

/** A state snapshot and the number of events it folds. */
export interface Versioned<S> {
  readonly version: number
  readonly state: S
}

/** Entity state with a version: the latest snapshot of each stream. */
export class EntityStates extends Context.Tag("low/ports/EntityStates")<
  EntityStates,
  {
    readonly get: <S, I>(stream: string, schema: Schema.Schema<S, I>) => Effect.Effect<Option.Option<Versioned<S>>, PortFailure>
  }
>() {}

/** A unique index: which owner holds a key (an email, a handle) across every entity. */
export class UniqueIndex extends Context.Tag("low/ports/UniqueIndex")<
  UniqueIndex,
  {
    readonly get: (index: string, key: string) => Effect.Effect<Option.Option<string>, PortFailure>
  }
>() {}

/** One write `write` asks for; the shell commits all of one command's writes together or none. */
export type WriteOp =
  | {
      readonly _tag: "Append"
      readonly stream: string
      /** The stream's version the events follow; a different one is a conflict. */
      readonly expectedVersion: number
      readonly events: ReadonlyArray<{ readonly _tag: string }>
    }
  | {
      readonly _tag: "SaveState"
      readonly stream: string
      readonly version: number
      readonly schema: Schema.Schema<any, any>
      readonly state: unknown
    }
  /** Take a key of a unique index; a key already held by another owner is a conflict. */
  | { readonly _tag: "Claim"; readonly index: string; readonly key: string; readonly owner: string }

/**
 * The write side of the event log, the entity states and the unique indexes. It records; it does not touch
 * storage, so the shell can commit one command's writes atomically and in as few round trips as it can.
 */
export class Writes extends Context.Tag("low/ports/Writes")<Writes, { readonly record: (op: WriteOp) => Effect.Effect<void> }>() {}
