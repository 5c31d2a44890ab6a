import { Data } from "effect"
import type { Effect, Either, Schema } from "effect"
import type { EntityStates, UniqueIndex, Writes } from "./ports"

/**
 * What the shell hands a command besides its arguments. Time and fresh ids come in here, so that `operate`
 * never reads a clock or makes an id.
 */
export interface Envelope {
  readonly commandId: string
  /** ISO-8601 instant at which the command was accepted. */
  readonly at: string
  /** A fresh id the handler may give to an entity it creates. */
  readonly freshId: string
}

/** A recorded fact, as every deployment stores and replays it. */
export interface StoredEvent<E> {
  /** `<stream>@<version>`: unique and the same on every replay. */
  readonly id: string
  readonly stream: string
  /** 1 for the first event of the stream. */
  readonly version: number
  readonly event: E
  readonly commandId: string
  readonly at: string
}

/** The read ports `lookup` may require. */
export type LookupPorts = EntityStates | UniqueIndex

/** A failure of the storage behind a port; the shell decides whether to retry or report it. */
export class PortFailure extends Data.TaggedError("PortFailure")<{ readonly dependency: string; readonly cause: unknown }> {}

/**
 * An event handler in the LOW pattern: `lookup` reads, `operate` decides, `write` records.
 * `reads`/`writes` name the channels the shell wires it to.
 */
export interface EventHandler<C extends { readonly _tag: string }, L, E extends { readonly _tag: string }, J> {
  readonly name: string
  readonly reads: string
  readonly writes: string
  readonly command: Schema.Schema<C, any>
  readonly event: Schema.Schema<E, any>
  /** The key commands are serialized, partitioned and deduplicated by. */
  readonly entity: (command: C) => string
  readonly lookup: (command: C, envelope: Envelope) => Effect.Effect<L, PortFailure, LookupPorts>
  readonly operate: (command: C, looked: L, envelope: Envelope) => Either.Either<ReadonlyArray<E>, J>
  readonly write: (command: C, looked: L, events: ReadonlyArray<E>) => Effect.Effect<void, never, Writes>
}

/** A change to a read model, applied by the shell at most once per event. */
export type ViewChange =
  /** Replace the document at `key`. */
  | { readonly _tag: "Put"; readonly view: string; readonly key: string; readonly doc: Readonly<Record<string, unknown>> }
  /** Merge `fields` into the existing document at `key`. */
  | { readonly _tag: "Patch"; readonly view: string; readonly key: string; readonly fields: Readonly<Record<string, unknown>> }
  /** Add an item to the ordered collection at `key`; `order` is unique within it. */
  | {
      readonly _tag: "Add"
      readonly view: string
      readonly key: string
      readonly order: number
      readonly item: Readonly<Record<string, unknown>>
    }

/**
 * A projector: what an event changes in the read models. Documents are keyed so that one stream feeds each,
 * which lets the shell apply a change only when the event's version is newer than the document's.
 */
export interface Projector<E> {
  readonly name: string
  readonly reads: string
  readonly project: (event: StoredEvent<E>) => ReadonlyArray<ViewChange>
}

type Doc = Readonly<Record<string, unknown>>

/** Constructors of view changes. */
export const View = {
  put: (view: string, key: string, doc: Doc): ViewChange => ({ _tag: "Put", view, key, doc }),
  patch: (view: string, key: string, fields: Doc): ViewChange => ({ _tag: "Patch", view, key, fields }),
  add: (view: string, key: string, order: number, item: Doc): ViewChange => ({ _tag: "Add", view, key, order, item })
}

/**
 * A process manager, the mirror of an event handler: it reads an event and sends the commands that follow from it
 * (a transfer's credit after its debit), to the handler that reads its `writes` channel. `react` is pure, so a redelivered event sends the same commands; the shell
 * derives each command's commandId from the event that caused it, which makes sending them again change nothing.
 * It keeps no state of its own: the events it reads carry what it needs. `reads`/`writes` name its channels.
 */
export interface ProcessManager<E, C> {
  readonly name: string
  readonly reads: string
  readonly writes: string
  readonly react: (event: StoredEvent<E>) => ReadonlyArray<C>
}
