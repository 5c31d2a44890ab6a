import { describe, expect, it } from "vitest"
import { attribute, breakdown, stageOf, type TimedSpan } from "./stages"

const t0 = 1_800_000_000_000

/** A span of trace `traceId` from `from` to `to` ms after t0. */
const span = (
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  name: string,
  from: number,
  to: number,
  attributes: Record<string, unknown> = {}
): TimedSpan => ({ name, traceId, spanId, parentSpanId, startMs: t0 + from, endMs: t0 + to, attributes })

// A mutation of 20 ms: the edge, a wait on the channel, a command with its three steps, then a projection overlapped
// by a send as deep as it, a gap where only the wait runs, and a projection that outlives the answer.
const mutation = (id: string) => [
  span(id, "http", undefined, "POST /graphql", 0, 20),
  span(id, "route", "http", "route Mutation.debit", 1, 19, { "low.command_id": `${id}-debit` }),
  span(id, "wait", "route", "wait wallet-events", 2, 17),
  span(id, "command", "wait", "command wallet", 3, 10),
  span(id, "lookup", "command", "lookup", 4, 5),
  span(id, "operate", "command", "operate", 5, 6),
  span(id, "commit", "command", "commit", 6, 9),
  span(id, "balances", "wait", "project wallet-events", 11, 13),
  span(id, "send", "wait", "send low.wallet-events", 12, 15),
  span(id, "late", "route", "project wallet-events", 18, 25),
  span(id, "orphan", "elsewhere", "commit", 0, 20)
]

describe("stageOf", () => {
  it("given the shell's span names, when staged, then each goes to its stage by prefix or exact name", () => {
    expect(
      ["POST /graphql", "route Mutation.credit", "wait wallet-events", "command wallet", "lookup", "operate", "commit"].map(stageOf)
    ).toEqual(["http+graphql", "http+graphql", "queue/wait", "lock & retries", "lookup", "operate", "commit"])
    expect(["send low.wallet-commands", "process low.wallet-commands", "project wallet-events", "dns lookup"].map(stageOf)).toEqual([
      "send",
      "process",
      "projection",
      "other"
    ])
  })
})

describe("attribute", () => {
  it("given nested and overlapping spans and a gap, when attributed, then each instant goes to the deepest span active, the root's interval in full", () => {
    const trace = mutation("a")
    const times = attribute(trace, trace[0]!)
    expect(times).toEqual({
      "client & sockets": 0,
      "http+graphql": 3, // 0–1 the HTTP span, 1–2 and 17–18 the route's own time
      "queue/wait": 4, // 2–3 before the command, 10–11 before the projection, 15–17 the gap
      send: 3, // 12–13 as deep as the projection but started later, 13–15 alone
      process: 0,
      "lock & retries": 2, // 3–4 and 9–10: the command around its steps
      lookup: 1,
      operate: 1,
      commit: 3, // the orphan "commit" is under no span of the root's, so it counts for nothing
      projection: 3, // 11–12, and 18–20 of the one that ends after the answer
      other: 0
    })
    expect(Object.values(times).reduce((a, b) => a + b, 0)).toBe(20)
  })

  it("given a root with no span under it, when attributed, then its whole duration is the edge's", () => {
    const root = span("b", "http", undefined, "POST /graphql", 0, 7)
    expect(attribute([root], root)["http+graphql"]).toBe(7)
  })
})

describe("breakdown", () => {
  it("given mutations the load timed, a query and a mutation it did not time, when broken down, then it averages the stages of the timed ones, the time outside the server included", () => {
    const inline = [
      span("c", "http", undefined, "POST /graphql", 0, 10),
      span("c", "route", "http", "route Mutation.credit", 0, 10, { "low.command_id": "c-credit" }),
      span("c", "command", "route", "command wallet", 1, 9),
      span("c", "lookup", "command", "lookup", 2, 3),
      span("c", "commit", "command", "commit", 3, 8)
    ]
    const query = [span("q", "http", undefined, "POST /graphql", 0, 4), span("q", "route", "http", "route Query.wallet", 0, 4)]
    const untimed = [
      span("d", "http", undefined, "POST /graphql", -100, -80),
      span("d", "route", "http", "route Mutation.credit", -99, -81, { "low.command_id": "d-credit" })
    ]
    const latencyMs = new Map([
      ["a-debit", 26],
      ["c-credit", 10]
    ])
    const result = breakdown([...mutation("a"), ...inline, ...query, ...untimed], latencyMs)
    expect(result).toEqual({
      traces: 2,
      meanMs: 18,
      serverMs: 15,
      stages: [
        { stage: "client & sockets", ms: 3 },
        { stage: "http+graphql", ms: 2.5 },
        { stage: "queue/wait", ms: 2 },
        { stage: "send", ms: 1.5 },
        { stage: "lock & retries", ms: 2 },
        { stage: "lookup", ms: 1 },
        { stage: "operate", ms: 0.5 },
        { stage: "commit", ms: 4 },
        { stage: "projection", ms: 1.5 }
      ]
    })
  })

  it("given no traced mutation the load timed, when broken down, then there is no breakdown", () => {
    expect(breakdown(mutation("a"), new Map([["b-debit", 20]]))).toBeUndefined()
  })
})
