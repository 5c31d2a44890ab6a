// A subscriber of the Postgres event log continues the trace of the command that wrote the event it handles.
import { randomUUID } from "node:crypto"
import { Effect, Fiber, Layer, ManagedRuntime, type Tracer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { walletHandler } from "@low/functions"
import { Executor } from "@low/core"
import { eventually } from "@low/testing"
import { recordSpans, spanNamed } from "@low/testing/traces"
import { Pg } from "./pool"
import { PostgresStore } from "./store"
import { subscribe } from "./subscription"
import { createTestDatabase, type TestDatabase } from "./testing"

const recorded = recordSpans("postgres-test")
let db: TestDatabase
const runtimeOn = (url: string) =>
  ManagedRuntime.make(
    Executor.layer().pipe(Layer.provideMerge(PostgresStore.layer({ connectionString: url })), Layer.provideMerge(recorded.layer))
  )
let runtime: ReturnType<typeof runtimeOn>

beforeAll(async () => {
  db = await createTestDatabase()
  runtime = runtimeOn(db.url)
  await runtime.runPromise(Pg)
})
afterAll(async () => {
  await runtime?.dispose()
  await db?.drop()
})

describe("traces: the Postgres event log", () => {
  it("given spans recorded, when a command commits an event and a subscription handles it, then the subscriber's span continues the command's trace and its handling runs inside it", async () => {
    const walletId = `traced-${randomUUID()}`
    await runtime.runPromise(
      Effect.withSpan(
        Effect.flatMap(Executor, (executor) =>
          executor.run(
            walletHandler,
            { _tag: "OpenWallet", walletId, owner: "Ada" },
            { commandId: randomUUID(), at: new Date().toISOString(), freshId: randomUUID() }
          )
        ),
        "caller"
      )
    )

    const inside: Array<Tracer.Span> = []
    const subscriber = runtime.runFork(
      Effect.flatMap(Pg, (pg) =>
        subscribe(pg, {
          name: "traced-subscriber",
          wake: (max) => Effect.sleep(max),
          idle: "50 millis",
          handle: (events) =>
            Effect.flatMap(Effect.currentSpan, (span) => Effect.sync(() => events.length === 1 && inside.push(span))).pipe(Effect.ignore)
        })
      )
    )
    await eventually(() => recorded.spans().some((s) => s.name === "process traced-subscriber"), { what: "the subscriber's span" })
    await runtime.runPromise(Fiber.interrupt(subscriber))

    const spans = recorded.spans()
    const caller = spanNamed(spans, "caller")
    const trace = spans.filter((s) => s.traceId === caller.traceId)
    const commit = spanNamed(trace, "commit")
    const processed = spanNamed(trace, "process traced-subscriber")
    expect(processed).toMatchObject({ kind: "consumer", parentSpanId: commit.spanId })
    expect(processed.attributes).toMatchObject({
      "low.subscription": "traced-subscriber",
      "low.stream": `wallet-${walletId}`,
      "low.version": 1
    })
    // The handler ran as a child of that span: what it does joins the trace.
    expect(inside.map((span) => span.spanId)).toEqual([processed.spanId])
  })
})
