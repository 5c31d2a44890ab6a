import type { Driven } from "./drive"
import type { StageBreakdown } from "./stages"
import type { verify } from "./verify"

export type Verdict = Awaited<ReturnType<typeof verify>>

/** Every figure of one project's run. */
export interface ProjectResult {
  readonly project: string
  readonly requests: number
  readonly seconds: number
  readonly mutationsPerSecond: number
  readonly latencyMs: { readonly mean: number; readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number }
  /** Latency at each percentile of `percentiles`, for the report's curves. */
  readonly curve: ReadonlyArray<number>
  readonly codes: Record<string, number>
  readonly correctness: Verdict
  readonly error?: string
  /** Where the time of the traced mutations went; absent when nothing was traced. */
  readonly stages?: StageBreakdown
}

export const percentiles = [1, 5, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 100]

const at = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0
    ? 0
    : Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! * 10) / 10

export const summarize = (project: string, driven: Driven, correctness: Verdict, stages?: StageBreakdown): ProjectResult => {
  const sorted = [...driven.latencies].sort((a, b) => a - b)
  const mean = sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length
  return {
    project,
    requests: sorted.length,
    seconds: Number(driven.seconds.toFixed(2)),
    mutationsPerSecond: Math.round(sorted.length / driven.seconds),
    latencyMs: { mean: Math.round(mean * 10) / 10, p50: at(sorted, 50), p95: at(sorted, 95), p99: at(sorted, 99), max: at(sorted, 100) },
    curve: percentiles.map((p) => at(sorted, p)),
    codes: driven.codes,
    correctness,
    ...(stages === undefined ? {} : { stages })
  }
}
