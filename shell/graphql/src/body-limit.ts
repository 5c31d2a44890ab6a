import { createGraphQLError, type Plugin } from "graphql-yoga"

const tooLarge = (limit: number) =>
  createGraphQLError(`Request body over ${limit} bytes`, {
    extensions: { http: { status: 413 }, code: "REQUEST_ENTITY_TOO_LARGE" }
  })

/** The body of a request without Content-Length (chunked), read up to `limit` bytes and no further. */
const readUpTo = async (request: Request, limit: number): Promise<Request> => {
  const reader = request.body!.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  return new Request(request.url, { method: request.method, headers: request.headers, body: Buffer.concat(chunks) })
}

/**
 * Refuses request bodies over `limit` bytes with 413, before anything is parsed or executed. A body with a
 * Content-Length, which is what GraphQL clients send, is judged by that header alone: Node's HTTP parser never
 * reads past it, so the body needs no second pass. A chunked body is counted as it is read.
 */
export const useBodyLimit = (limit: number): Plugin => ({
  onRequestParse({ request, requestParser, setRequestParser }) {
    const length = request.headers.get("content-length")
    if (length !== null) {
      if (!/^\d+$/.test(length))
        throw createGraphQLError("Content-Length header is invalid", { extensions: { http: { status: 400 }, code: "BAD_REQUEST" } })
      if (Number(length) > limit) throw tooLarge(limit)
      return
    }
    if (requestParser === undefined || request.body === null) return
    setRequestParser(async (chunked) => requestParser(await readUpTo(chunked, limit)))
  }
})
