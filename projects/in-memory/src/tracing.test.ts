// One mutation, one trace: the in-memory project with its spans kept in memory (as OTLP would export them).
import { Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startServer, type RunningServer } from "@low/graphql"
import { eventually, gql } from "@low/testing"
import { recordSpans, spanNamed, traceOf, type SpanRecord } from "@low/testing/traces"
import { testDomains } from "./testing/domains"
import { InMemory } from "./main"

const recorded = recordSpans("in-memory")
let server: RunningServer
beforeAll(async () => {
  server = await startServer(InMemory({ port: 0, domains: testDomains }).pipe(Layer.provide(recorded.layer)))
})
afterAll(() => server?.close())

const OPEN = 'mutation ($id: ID!) { openWallet(owner: "Ada", id: $id) { id } }'
const CREDIT = "mutation ($id: ID!) { credit(walletId: $id, amount: 5) { balance } }"

/** The trace of the request whose HTTP span carries `traceId`, once its HTTP span has ended. */
const traceWith = async (traceId: string) => {
  let trace: ReadonlyArray<SpanRecord> = []
  await eventually(
    () => {
      trace = recorded.spans().filter((s) => s.traceId === traceId)
      return trace.some((s) => s.kind === "server")
    },
    { what: `the HTTP span of trace ${traceId}` }
  )
  return trace
}

describe("traces: in-memory", () => {
  it("given spans recorded, when one credit is sent with a traceparent, then it is one trace continuing the caller's: request, route, wait, command with lookup, operate and commit, and the projections", async () => {
    const id = `traced-${Date.now().toString(36)}`
    expect((await gql(`${server.url}`, OPEN, { id })).body.errors).toBeUndefined()

    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
    const callerSpan = "00f067aa0ba902b7"
    const credited = await gql(server.url, CREDIT, { id }, { traceparent: `00-${traceId}-${callerSpan}-01` })
    expect(credited.body).toEqual({ data: { credit: { balance: 5 } } })

    const trace = await traceWith(traceId)
    const request = spanNamed(trace, "POST /graphql")
    expect(request).toMatchObject({ kind: "server", parentSpanId: callerSpan })
    expect(request.attributes).toMatchObject({ "http.request.method": "POST", "http.route": "/graphql", "http.response.status_code": 200 })
    expect(request.resource["service.name"]).toBe("in-memory")

    const route = spanNamed(trace, "route Mutation.credit")
    expect(route.parentSpanId).toBe(request.spanId)
    const wait = trace.find((s) => s.name.startsWith("wait "))
    expect(wait?.parentSpanId).toBe(route.spanId)
    const command = trace.find((s) => s.name.startsWith("command "))
    expect(command?.parentSpanId).toBe(wait?.spanId)
    expect(command?.attributes["low.entity"]).toMatch(new RegExp(`/${id}$`))
    for (const step of ["lookup", "operate", "commit"]) expect(spanNamed(trace, step).parentSpanId).toBe(command?.spanId)
    // Every projector of the channel projected the credit's event in this trace.
    const projections = trace.filter((s) => s.name.startsWith("project "))
    expect(projections.length).toBeGreaterThan(0)
    for (const projection of projections) expect(projection.parentSpanId).toBe(wait?.spanId)
    // Nothing else in the trace: each span is one of the above.
    expect(trace.length).toBe(7 + projections.length)
  })

  it("given spans recorded, when a mutation is sent without a traceparent, then its HTTP span starts a trace of its own", async () => {
    recorded.reset()
    const id = `untraced-${Date.now().toString(36)}`
    expect((await gql(server.url, OPEN, { id })).body.errors).toBeUndefined()
    await eventually(() => recorded.spans().some((s) => s.kind === "server"), { what: "the HTTP span" })
    const request = spanNamed(traceOf(recorded.spans(), "POST /graphql"), "POST /graphql")
    expect(request.parentSpanId).toBeUndefined()
    expect(spanNamed(traceOf(recorded.spans(), "POST /graphql"), "route Mutation.openWallet").parentSpanId).toBe(request.spanId)
  })
})
