import { Effect } from "effect"
import type { Schema } from "effect"
import { Writes } from "./ports"

/** Appends events to a stream that stands at `expectedVersion`, with the snapshot they lead to. */
export const appendWithState = <S, I>(
  stream: string,
  expectedVersion: number,
  events: ReadonlyArray<{ readonly _tag: string }>,
  schema: Schema.Schema<S, I>,
  state: S
): Effect.Effect<void, never, Writes> =>
  Effect.flatMap(Writes, (w) =>
    Effect.zipRight(
      w.record({ _tag: "Append", stream, expectedVersion, events }),
      w.record({ _tag: "SaveState", stream, version: expectedVersion + events.length, schema, state })
    )
  )

/** Takes `key` in a unique index for `owner`. */
export const claim = (index: string, key: string, owner: string): Effect.Effect<void, never, Writes> =>
  Effect.flatMap(Writes, (w) => w.record({ _tag: "Claim", index, key, owner }))
