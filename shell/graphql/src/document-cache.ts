import type { DocumentNode } from "graphql"
import type { Plugin } from "graphql-yoga"

/**
 * Parses each distinct document once and validates it once. yoga's own cache keys its validation results by the
 * names of the validation rules, worked out again on every request; this server's rules never change, so the
 * parsed document alone is the key. Documents that fail validation are not kept: they are validated each time.
 */
export const useDocumentCache = (documents = 1_000): Plugin => {
  const parsed = new Map<string, DocumentNode>()
  const valid = new WeakSet<DocumentNode>()
  return {
    onParse({ params, setParsedDocument }) {
      const source = typeof params.source === "string" ? params.source : params.source.body
      const known = parsed.get(source)
      if (known !== undefined) return setParsedDocument(known)
      return ({ result }) => {
        if (result === null || result instanceof Error) return
        // The oldest document makes room: a Map iterates in insertion order.
        if (parsed.size >= documents) parsed.delete(parsed.keys().next().value!)
        parsed.set(source, result as DocumentNode)
      }
    },
    onValidate({ params: { documentAST }, setResult }) {
      if (valid.has(documentAST)) return setResult([])
      return ({ result }) => {
        if (result.length === 0) valid.add(documentAST)
      }
    }
  }
}
