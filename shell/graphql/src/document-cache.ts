import type { DocumentNode } from "graphql"
import type { Plugin } from "graphql-yoga"

/** The text of documents kept, in UTF-16 code units (a parsed document takes some tens of times that in memory). */
export const documentCacheChars = 256 * 1024

/**
 * Parses and validates each distinct valid document once. yoga's own cache keys its validation results by the
 * names of the validation rules, worked out again on every request, and keeps what fails; this server's rules
 * never change, so the document's text alone is the key, and only documents that passed validation are kept. The
 * least recently used make room once the texts kept reach `chars`, so a client sending ever new documents costs
 * the server a parse and a validation each, never memory.
 */
export const useDocumentCache = (chars = documentCacheChars): Plugin => {
  // A Map iterates in insertion order: a hit is moved to the end, so the first entry is the least recently used.
  const valid = new Map<string, DocumentNode>()
  const validated = new WeakSet<DocumentNode>()
  const sourceOf = new WeakMap<DocumentNode, string>()
  let kept = 0

  const keep = (source: string, document: DocumentNode) => {
    if (source.length > chars) return
    while (kept + source.length > chars) {
      const [oldest] = valid.keys()
      kept -= oldest!.length
      valid.delete(oldest!)
    }
    valid.set(source, document)
    validated.add(document)
    kept += source.length
  }

  return {
    onParse({ params, setParsedDocument }) {
      const source = typeof params.source === "string" ? params.source : params.source.body
      const known = valid.get(source)
      if (known !== undefined) {
        valid.delete(source)
        valid.set(source, known)
        return setParsedDocument(known)
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
