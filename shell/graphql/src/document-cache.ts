import type { DocumentNode } from "graphql"
import type { Plugin } from "graphql-yoga"

/** The text of documents kept, in UTF-16 code units (a parsed document takes some tens of times that in memory). */
export const documentCacheChars = 256 * 1024

interface Kept {
  readonly document: DocumentNode
  /** Asked for since it last came up for eviction. */
  used: boolean
}

/**
 * Parses and validates each distinct valid document once. yoga's own cache keys its validation results by the
 * names of the validation rules, worked out again on every request, and keeps what fails; this server's rules
 * never change, so the document's text alone is the key, and only documents that passed validation are kept.
 *
 * Once the texts kept reach `chars`, the oldest document not asked for since it was last looked at makes room
 * ("second chance": a hit only marks its entry, where a strict least-recently-used order would move it on every
 * request). A client sending ever new documents costs the server a parse and a validation each, never memory.
 */
export const useDocumentCache = (chars = documentCacheChars): Plugin => {
  // A Map iterates in insertion order: the first entry is the next to come up for eviction.
  const kept = new Map<string, Kept>()
  const validated = new WeakSet<DocumentNode>()
  const sourceOf = new WeakMap<DocumentNode, string>()
  let size = 0

  const keep = (source: string, document: DocumentNode) => {
    if (source.length > chars) return
    while (size + source.length > chars) {
      const [oldest, entry] = kept.entries().next().value!
      kept.delete(oldest)
      if (entry.used) {
        entry.used = false
        kept.set(oldest, entry)
      } else size -= oldest.length
    }
    kept.set(source, { document, used: false })
    validated.add(document)
    size += source.length
  }

  return {
    onParse({ params, setParsedDocument }) {
      const source = typeof params.source === "string" ? params.source : params.source.body
      const known = kept.get(source)
      if (known !== undefined) {
        known.used = true
        return setParsedDocument(known.document)
      }
      return ({ result }) => {
        if (result !== null && !(result instanceof Error)) sourceOf.set(result as DocumentNode, source)
      }
    },
    onValidate({ params: { documentAST }, setResult }) {
      if (validated.has(documentAST)) return setResult([])
      const source = sourceOf.get(documentAST)
      return ({ result }) => {
        if (result.length === 0 && source !== undefined) keep(source, documentAST)
      }
    }
  }
}
