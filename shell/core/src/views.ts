import { Context, Deferred, Effect } from "effect"
import type { Option, Scope } from "effect"
import type { PortFailure, ViewChange } from "@low/functions"

export type Doc = Readonly<Record<string, unknown>>

/** A page of a collection view, newest first. */
export interface ItemsPage {
  readonly items: ReadonlyArray<{ readonly order: number; readonly item: Doc }>
  readonly more: boolean
}

/** The read side: documents by key and ordered collections, as the projectors left them. */
export class Views extends Context.Tag("low/core/Views")<
  Views,
  {
    readonly doc: (view: string, key: string) => Effect.Effect<Option.Option<Doc>, PortFailure>
    /** Up to `first` items with an order below `before` (all when absent), highest order first. */
    readonly items: (
      view: string,
      key: string,
      page: { readonly first: number; readonly before?: number | undefined }
    ) => Effect.Effect<ItemsPage, PortFailure>
    /**
     * Where the store knows its documents change (its own writes): registers interest in the document now, and
     * gives what completes at its next change, a hint to read it again. Leaving the scope withdraws the interest. A
     * store without it is read again on a schedule.
     */
    readonly changes?: (view: string, key: string) => Effect.Effect<Effect.Effect<void>, never, Scope.Scope>
  }
>() {}

/** The interest in documents a store's `changes` registers, and what its writes call to wake it. */
export const makeDocWatch = () => {
  const waiting = new Map<string, Set<Deferred.Deferred<void>>>()
  const at = (view: string, key: string) => `${view}\u0000${key}`
  return {
    /** Whether anyone waits: a store asks before it works out which documents a write changed. */
    waiting: () => waiting.size > 0,
    changed: (view: string, key: string) => {
      const here = waiting.get(at(view, key))
      if (here === undefined) return
      waiting.delete(at(view, key))
      for (const d of here) Deferred.unsafeDone(d, Effect.void)
    },
    changes: (view: string, key: string): Effect.Effect<Effect.Effect<void>, never, Scope.Scope> =>
      Effect.acquireRelease(
        Effect.map(Deferred.make<void>(), (d) => {
          const here = waiting.get(at(view, key)) ?? new Set()
          waiting.set(at(view, key), here.add(d))
          return d
        }),
        (d) =>
          Effect.sync(() => {
            const here = waiting.get(at(view, key))
            if (here?.delete(d) === true && here.size === 0) waiting.delete(at(view, key))
          })
      ).pipe(Effect.map((d) => Deferred.await(d)))
  }
}

/** A stored document with the version of the last event applied to it. */
export interface VersionedDoc {
  readonly version: number
  readonly doc: Doc
}

/**
 * The document a Put or Patch leaves, or undefined when the event was applied already: changes are applied only
 * for an event newer than the document, which makes redelivery harmless.
 */
export const nextDoc = (
  current: VersionedDoc | undefined,
  change: Extract<ViewChange, { _tag: "Put" | "Patch" }>,
  version: number
): VersionedDoc | undefined => {
  if (current !== undefined && current.version >= version) return undefined
  return change._tag === "Put" ? { version, doc: change.doc } : { version, doc: { ...current?.doc, ...change.fields } }
}
