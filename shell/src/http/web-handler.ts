import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"

/**
 * Serves a fetch-style handler (graphql-yoga's) from the Effect HTTP server. Bodies are buffered both ways: GraphQL
 * requests and answers are small, and buffering saves the stream plumbing per request that dominated latency.
 */
export const fromFetchHandler = (handler: (request: Request) => Promise<Response> | Response) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const hasBody = request.method !== "GET" && request.method !== "HEAD"
    const body = hasBody ? yield* request.arrayBuffer : undefined
    const url = new URL(request.url, `http://${request.headers["host"] ?? "localhost"}`)
    const response = yield* Effect.promise(async () => {
      const answer = await handler(new Request(url, { method: request.method, headers: request.headers, body: body ?? null }))
      return { answer, bytes: new Uint8Array(await answer.arrayBuffer()) }
    })
    const { answer, bytes } = response
    return HttpServerResponse.uint8Array(bytes, {
      status: answer.status,
      headers: Object.fromEntries(answer.headers),
      contentType: answer.headers.get("content-type") ?? "application/json"
    })
  })
