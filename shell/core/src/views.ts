import { Context } from "effect"
import type { Effect, Option } from "effect"
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
  }
>() {}

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
