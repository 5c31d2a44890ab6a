// One mutation, one trace: graphql-postgres with its spans kept in memory (as OTLP would export them).
import { Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startServer, type RunningServer } from "@low/graphql"
import { createTestDatabase, type TestDatabase } from "@low/postgres/testing"
import { eventually, gql } from "@low/testing"
import { recordSpans, spanNamed } from "@low/testing/traces"
import { testDomains } from "./testing/domains"
import { GraphqlPostgres } from "./main"

const recorded = recordSpans("graphql-postgres")
let database: TestDatabase
let server: RunningServer

beforeAll(async () => {
  database = await createTestDatabase()
  server = await startServer(
    GraphqlPostgres({ port: 0, databaseUrl: database.url, domains: testDomains }).pipe(Layer.provide(recorded.layer))
  )
})
afterAll(async () => {
  await server?.close()
  await database?.drop()
})

describe("traces: graphql-postgres", () => {
  it("given spans recorded, when one credit is sent with a traceparent, then it is one trace: request, route, the command with lookup, operate and commit (the projections commit with it), and the process manager reading its event", async () => {
    const id = `traced-${Date.now().toString(36)}`
    expect((await gql(server.url, 'mutation ($id: ID!) { openWallet(owner: "Ada", id: $id) { id } }', { id })).body.errors).toBeUndefined()

    const traceId = "6bf92f3577b34da6a3ce929d0e0e4736"
    const credited = await gql(
      server.url,
      "mutation ($id: ID!) { credit(walletId: $id, amount: 3) { balance } }",
      { id },
      {
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`
      }
    )
    expect(credited.body).toEqual({ data: { credit: { balance: 3 } } })

    await eventually(() => recorded.spans().some((s) => s.traceId === traceId && s.kind === "server"), { what: "the HTTP span" })
    // The process managers read every event of their channel, in the trace of the command that wrote it.
    const processed = "process process-manager:transfer"
    await eventually(() => recorded.spans().some((s) => s.traceId === traceId && s.name === processed), {
      what: "the process manager's span"
    })
    const trace = recorded.spans().filter((s) => s.traceId === traceId)
    const request = spanNamed(trace, "POST /graphql")
    const route = spanNamed(trace, "route Mutation.credit")
    expect(route.parentSpanId).toBe(request.spanId)
    const command = spanNamed(trace, "command wallet")
    expect(command.parentSpanId).toBe(route.spanId)
    for (const step of ["lookup", "operate", "commit"]) expect(spanNamed(trace, step).parentSpanId).toBe(command.spanId)
    expect(spanNamed(trace, processed)).toMatchObject({ kind: "consumer", parentSpanId: spanNamed(trace, "commit").spanId })
    expect(trace).toHaveLength(7)
  })
})
