import { Context, type Effect, type Option } from "effect"
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
     * Where the store hears of its documents' changes (its own writes, and other instances' where it can): calls
     * `changed` once, at the next change of the document it hears of, and gives back what withdraws the interest. A
     * store without it, or a change it does not hear of, is found by reading again on a schedule.
     */
    readonly onChange?: (view: string, key: string, changed: () => void) => () => void
    /**
     * Whether documents may go missing and come back (a Redis restarted empty, its documents rebuilt from the log): a
     * document missing after its command was accepted is then a dependency away, not a bug.
     */
    readonly losesDocuments?: boolean
  }
>() {}

/** A document, by view and key. */
export type DocId = readonly [view: string, key: string]

const at = (view: string, key: string) => `${view}\u0000${key}`

/** The documents `changes` write, each once (a collection's items are no document). */
export const docsChangedBy = (changes: Iterable<ViewChange>): ReadonlyArray<DocId> => {
  const docs = new Map<string, DocId>()
  for (const change of changes) if (change._tag !== "Add") docs.set(at(change.view, change.key), [change.view, change.key])
  return [...docs.values()]
}

/** The interest in documents a store's `onChange` registers, and what its writes call to tell it. */
export const makeDocWatch = () => {
  const waiting = new Map<string, Set<() => void>>()
  // A reader that throws is its own failure: the others are still told, and the write that told them stands.
  const tell = (here: Iterable<() => void>) => {
    for (const changed of here)
      try {
        changed()
      } catch {}
  }
  const changed = (view: string, key: string) => {
    const here = waiting.get(at(view, key))
    if (here === undefined) return
    waiting.delete(at(view, key))
    tell(here)
  }
  return {
    /** Whether anyone waits: a store asks before it works out which documents a write changed. */
    waiting: () => waiting.size > 0,
    changed,
    /**
     * The readers of `docs` read again; everyone waiting, when the writer does not say which documents it changed
     * (an announcement too long to list them, a projector's notice of an older version).
     */
    documentsChanged: (docs: Iterable<DocId> | undefined) => {
      if (docs !== undefined) for (const [view, key] of docs) changed(view, key)
      else {
        const all = [...waiting.values()]
        waiting.clear()
        for (const here of all) tell(here)
      }
    },
    onChange: (view: string, key: string, changed: () => void) => {
      const here = waiting.get(at(view, key)) ?? new Set()
      waiting.set(at(view, key), here.add(changed))
      return () => {
        const now = waiting.get(at(view, key))
        if (now?.delete(changed) === true && now.size === 0) waiting.delete(at(view, key))
      }
    }
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
