import type { SpanRecord } from "@low/testing/traces"

/** What attribution needs of a span: its place in the tree and its interval. */
export type TimedSpan = Pick<SpanRecord, "name" | "traceId" | "spanId" | "parentSpanId" | "startMs" | "endMs" | "attributes">

/** The stages a mutation's time is split into, in the order it meets them (and the charts show them). */
export const stages = [
  "client & sockets",
  "http+graphql",
  "queue/wait",
  "send",
  "process",
  "lock & retries",
  "lookup",
  "operate",
  "commit",
  "projection",
  "other"
] as const
export type Stage = (typeof stages)[number]

/**
 * The stage a span's own time (the time no span under it covers) belongs to. The HTTP span and the route are the
 * edge; a `wait` with nothing under it is the caller waiting on the channel (lanes, Kafka transit); a `command`'s own
 * time is its lock and any retries around lookup, operate and commit.
 */
export const stageOf = (name: string): Stage =>
  name === "lookup" || name === "operate" || name === "commit"
    ? name
    : name.startsWith("POST ") || name.startsWith("route ")
      ? "http+graphql"
      : name.startsWith("wait ")
        ? "queue/wait"
        : name.startsWith("command ")
          ? "lock & retries"
          : name.startsWith("send ")
            ? "send"
            : name.startsWith("process ")
              ? "process"
              : name.startsWith("project ")
                ? "projection"
                : "other"

/** Milliseconds per stage, every stage present (zero when the trace has none of it). */
export type StageTimes = Record<Stage, number>

const groupBy = <K>(spans: ReadonlyArray<TimedSpan>, key: (span: TimedSpan) => K | undefined) => {
  const groups = new Map<K, Array<TimedSpan>>()
  for (const span of spans) {
    const k = key(span)
    if (k === undefined) continue
    const group = groups.get(k)
    if (group === undefined) groups.set(k, [span])
    else group.push(span)
  }
  return groups
}

const noTime = (): StageTimes => Object.fromEntries(stages.map((s) => [s, 0])) as StageTimes

/**
 * Where the time of `root`'s interval went: each instant goes to the most specific span active then (the deepest
 * under `root`, whichever process made it; of two as deep, the one that started last), and so to that span's stage.
 * Spans not under `root` are left out, and the parts of spans outside its interval are cut off, so the stages add up
 * to the root's duration.
 */
export const attribute = (trace: ReadonlyArray<TimedSpan>, root: TimedSpan): StageTimes => {
  const children = groupBy(trace, (span) => span.parentSpanId)
  const tree: Array<{ readonly span: TimedSpan; readonly depth: number; readonly stage: Stage }> = []
  const visit = (span: TimedSpan, depth: number) => {
    tree.push({ span, depth, stage: stageOf(span.name) })
    for (const child of children.get(span.spanId) ?? []) visit(child, depth + 1)
  }
  visit(root, 0)
  const clip = (ms: number) => Math.min(root.endMs, Math.max(root.startMs, ms))
  const cuts = [...new Set(tree.flatMap(({ span }) => [clip(span.startMs), clip(span.endMs)]))].sort((a, b) => a - b)
  const times = noTime()
  for (let i = 1; i < cuts.length; i++) {
    const from = cuts[i - 1]!,
      to = cuts[i]!
    let inner = tree[0]!
    for (const node of tree)
      if (
        node.span.startMs <= from &&
        node.span.endMs >= to &&
        (node.depth > inner.depth || (node.depth === inner.depth && node.span.startMs > inner.span.startMs))
      )
        inner = node
    times[inner.stage] += to - from
  }
  return times
}

/** Where the time of a project's traced mutations went, on average. */
export interface StageBreakdown {
  /** Mutations traced from their HTTP request to their answer, whose latency the load measured. */
  readonly traces: number
  /** Their mean latency as the load measured it, in ms. */
  readonly meanMs: number
  /** Their mean duration in the server, from its HTTP span, in ms. */
  readonly serverMs: number
  /** Mean ms per mutation in each stage met, in the order of `stages`; they add up to `meanMs`. */
  readonly stages: ReadonlyArray<{ readonly stage: Stage; readonly ms: number }>
}

const isMutationRoot = (span: TimedSpan, byId: ReadonlyMap<string, TimedSpan>) =>
  span.name === "POST /graphql" && (span.parentSpanId === undefined || !byId.has(span.parentSpanId))

const round = (ms: number) => Math.round(ms * 1000) / 1000

/**
 * The mean stage times of the traced mutations among those the load timed (`latencyMs`, by commandId): traces rooted
 * at a `POST /graphql` span with a `route Mutation.*` span, of one of those commandIds, under it. What the load
 * measured beyond the HTTP span is "client & sockets": the load generator, the sockets, and a busy server's backlog
 * of requests not yet read. Undefined when no mutation was traced.
 */
export const breakdown = (spans: ReadonlyArray<TimedSpan>, latencyMs: ReadonlyMap<string, number>): StageBreakdown | undefined => {
  const traces = groupBy(spans, (span) => span.traceId)
  const total = noTime()
  let count = 0,
    client = 0,
    server = 0
  for (const trace of traces.values()) {
    const byId = new Map(trace.map((s) => [s.spanId, s]))
    const root = trace.find((s) => isMutationRoot(s, byId))
    const route = root && trace.find((s) => s.parentSpanId === root.spanId && s.name.startsWith("route Mutation."))
    const measured = latencyMs.get(String(route?.attributes["low.command_id"]))
    if (root === undefined || measured === undefined) continue
    const times = attribute(trace, root)
    const duration = root.endMs - root.startMs
    times["client & sockets"] = Math.max(0, measured - duration)
    for (const stage of stages) total[stage] += times[stage]
    client += Math.max(measured, duration)
    server += duration
    count++
  }
  if (count === 0) return undefined
  return {
    traces: count,
    meanMs: round(client / count),
    serverMs: round(server / count),
    stages: stages.filter((stage) => total[stage] > 0).map((stage) => ({ stage, ms: round(total[stage] / count) }))
  }
}
