import { parseArgs } from "node:util"

export interface CompareOptions {
  readonly projects: ReadonlyArray<string>
  readonly wallets: number
  readonly seconds: number
  /** Offered load in requests per second; when absent, `connections` drive the load as fast as they can. */
  readonly rate: number | undefined
  readonly connections: number
  /** Relative weights of credit, debit, invite and transfer requests. */
  readonly mix: { readonly credit: number; readonly debit: number; readonly invite: number; readonly transfer: number }
  readonly out: string
  /** The share of mutations traced for the stage breakdown, from 0 (no tracing) to 1. */
  readonly traceRatio: number
}

const positive = (name: string, text: string) => {
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${text}"`)
  return n
}

/** Reads `pnpm compare`'s arguments; a wrong one throws with the reason. */
export const parseCompareArgs = (argv: ReadonlyArray<string>): CompareOptions => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      projects: { type: "string", default: "in-memory,graphql-postgres,graphql-kafka" },
      wallets: { type: "string", default: "100" },
      duration: { type: "string", default: "10" },
      rate: { type: "string" },
      connections: { type: "string", default: "50" },
      mix: { type: "string", default: "5:4:1:1" },
      out: { type: "string", default: "reports" },
      "trace-ratio": { type: "string", default: "0.1" }
    },
    strict: true
  })
  const weights = values.mix.split(":").map(Number)
  // Three weights leave transfers out, as the mix was before they came.
  if (![3, 4].includes(weights.length) || weights.some((w) => !Number.isInteger(w) || w < 0) || weights.every((w) => w === 0))
    throw new Error(`--mix must be credit:debit:invite:transfer weights such as 5:4:1:1, got "${values.mix}"`)
  const projects = values.projects
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
  if (projects.length === 0) throw new Error("--projects names no project")
  const traceRatio = Number(values["trace-ratio"])
  if (!(traceRatio >= 0 && traceRatio <= 1)) throw new Error(`--trace-ratio must be a number from 0 to 1, got "${values["trace-ratio"]}"`)
  return {
    projects,
    wallets: Math.floor(positive("wallets", values.wallets)),
    seconds: positive("duration", values.duration),
    rate: values.rate === undefined ? undefined : positive("rate", values.rate),
    connections: Math.floor(positive("connections", values.connections)),
    mix: { credit: weights[0]!, debit: weights[1]!, invite: weights[2]!, transfer: weights[3] ?? 0 },
    out: values.out,
    traceRatio
  }
}
