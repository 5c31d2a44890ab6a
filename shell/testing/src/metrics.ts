/**
 * The metrics suite: GET /metrics read with a Prometheus text parser, run unchanged against every project beside the
 * conformance suite:
 *
 * ```ts
 * describeMetrics("in-memory", () => server.url, { series: [{ name: "low_projection_lag_events" }] })
 * ```
 *
 * Mutations of known outcomes go to the server one at a time; the command totals must grow by exactly those, by
 * outcome, and the latency histogram's count by all of them. `series` names what a project exposes besides.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format"
import { describe, expect, it } from "vitest"
import { makeApi, makeIds } from "./conformance/fixtures"
import { errorCode, type GraphQLResponse } from "./graphql-client"

/** One series a project must expose: its name, the labels it has (a pattern matches a value), and its value if fixed. */
export interface ExpectedSeries {
  readonly name: string
  readonly labels?: Readonly<Record<string, string | RegExp>>
  readonly value?: number
}

export interface MetricsOptions {
  readonly series?: ReadonlyArray<ExpectedSeries>
}

interface Sample {
  readonly labels?: Readonly<Record<string, string>>
  readonly value?: string
}

interface Family {
  readonly name: string
  readonly help: string
  readonly type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED"
  readonly metrics: ReadonlyArray<Sample>
}

/** The metrics URL of a server whose GraphQL URL is `url`. */
export const metricsUrl = (url: string) => new URL("/metrics", url).toString()

/** GET /metrics: its content type and text. */
export const scrape = async (url: string) => {
  const response = await fetch(url)
  expect(response.status).toBe(200)
  return { contentType: response.headers.get("content-type"), text: await response.text() }
}

/**
 * Every sample of an exposition, by sample name (`x_bucket`, `x_count` apart). The parser merges the series of a
 * labelled histogram into one and drops their labels, so samples are read from the text without its TYPE lines,
 * where each run of one sample name is a family of its own; the families and their types come from parsing it whole.
 */
export const parseExposition = (text: string) => {
  const families = parsePrometheusTextFormat(text) as ReadonlyArray<Family>
  const flat = parsePrometheusTextFormat(
    text
      .split("\n")
      .filter((line) => !line.startsWith("# TYPE "))
      .join("\n")
  ) as ReadonlyArray<Family>
  // A histogram's series come as _count, _sum, _bucket per label set, so one sample name comes back as several families.
  const samples = new Map<string, Array<Sample>>()
  for (const family of flat) samples.set(family.name, [...(samples.get(family.name) ?? []), ...family.metrics])
  /** The value of the sample `name` whose labels are exactly `labels` (0 when there is none yet). */
  const value = (name: string, labels: Readonly<Record<string, string>> = {}) => {
    const found = (samples.get(name) ?? []).find((s) => sameLabels(s.labels ?? {}, labels))
    return found?.value === undefined ? 0 : Number(found.value)
  }
  return { families, samples: (name: string) => samples.get(name) ?? [], value }
}

const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v)

const matches = (labels: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string | RegExp>>) =>
  Object.entries(wanted).every(([k, v]) => labels[k] !== undefined && (typeof v === "string" ? labels[k] === v : v.test(labels[k]!)))

/** What a mutation was answered: its error code, or the data it returned. */
const answered = (response: GraphQLResponse<unknown>) => errorCode(response) ?? "OK"

export const describeMetrics = (projectName: string, url: () => string, options: MetricsOptions = {}): void => {
  const api = makeApi(url)
  const ids = makeIds()
  const read = async () => parseExposition((await scrape(metricsUrl(url()))).text)

  describe(`metrics: ${projectName}`, { timeout: 60_000 }, () => {
    it("given the server, when GET /metrics, then it answers Prometheus' text format, every family with help and a type, named low_*", async () => {
      const { contentType, text } = await scrape(metricsUrl(url()))
      expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/)
      const { families } = parseExposition(text)
      expect(families.length).toBeGreaterThan(0)
      for (const family of families) {
        expect(family.name).toMatch(/^low_[a-z0-9_]+$/)
        expect(family.help, family.name).not.toBe("")
        expect(["COUNTER", "GAUGE", "HISTOGRAM"]).toContain(family.type)
        if (family.type === "COUNTER") expect(family.name).toMatch(/[a-z0-9]_total$/)
        else expect(family.name).not.toMatch(/_total$/)
      }
    })

    it("given mutations of known outcomes sent one at a time, when /metrics is read before and after, then low_commands_total grew by exactly those, by outcome, and the latency histogram by all of them", async () => {
      const before = await read()
      const wallet = ids.wallet()
      const credit = ids.command()
      const sent: Array<[string, string]> = []
      const send = async (outcome: string, answer: Promise<GraphQLResponse<unknown>>, expected: string) => {
        expect(answered(await answer), outcome).toBe(expected)
        sent.push(["wallet", outcome])
      }
      await send("applied", api.openWallet({ id: wallet, commandId: ids.command() }), "OK")
      await send("applied", api.credit(wallet, 100, credit), "OK")
      await send("applied", api.credit(wallet, 5, ids.command()), "OK")
      await send("duplicate", api.credit(wallet, 100, credit), "OK")
      await send("duplicate", api.credit(wallet, 100, credit), "OK")
      await send("idempotency_conflict", api.credit(wallet, 7, credit), "IDEMPOTENCY_CONFLICT")
      await send("insufficient_funds", api.debit(wallet, 1_000, ids.command()), "INSUFFICIENT_FUNDS")
      await send("insufficient_funds", api.debit(wallet, 2_000, ids.command()), "INSUFFICIENT_FUNDS")
      await send("wallet_not_found", api.debit(ids.wallet(), 1, ids.command()), "WALLET_NOT_FOUND")
      await send("bad_input", api.credit(wallet, 0, ids.command()), "BAD_USER_INPUT")
      await send("bad_input", api.debit(wallet, -5, ids.command()), "BAD_USER_INPUT")
      await send("bad_input", api.credit(wallet, 1, "has spaces, not an id"), "BAD_USER_INPUT")
      const after = await read()

      const expected = new Map<string, number>()
      for (const [, outcome] of sent) expected.set(outcome, (expected.get(outcome) ?? 0) + 1)
      for (const [outcome, count] of expected) {
        const labels = { handler: "wallet", outcome }
        expect(after.value("low_commands_total", labels) - before.value("low_commands_total", labels), outcome).toBe(count)
      }
      // And no other outcome of the handler moved.
      for (const sample of after.samples("low_commands_total"))
        if (sample.labels?.["handler"] === "wallet" && !expected.has(sample.labels["outcome"]!))
          expect(Number(sample.value) - before.value("low_commands_total", sample.labels), sample.labels["outcome"]).toBe(0)

      const handler = { handler: "wallet" }
      const count = (p: typeof after) => p.value("low_command_duration_seconds_count", handler)
      expect(count(after) - count(before)).toBe(sent.length)
      expect(after.value("low_command_duration_seconds_sum", handler)).toBeGreaterThan(
        before.value("low_command_duration_seconds_sum", handler)
      )
    })

    it("given mutations answered, when /metrics is read, then the latency histogram has buckets in seconds, cumulative up to +Inf = count, and a sum", async () => {
      expect((await api.openWallet({ id: ids.wallet(), commandId: ids.command() })).body.errors).toBeUndefined()
      const metrics = await read()
      expect(metrics.families.find((f) => f.name === "low_command_duration_seconds")?.type).toBe("HISTOGRAM")
      const buckets = metrics
        .samples("low_command_duration_seconds_bucket")
        .filter((s) => s.labels?.["handler"] === "wallet")
        .map((s) => ({ le: s.labels!["le"]!, count: Number(s.value) }))
      expect(buckets.length).toBeGreaterThan(5)
      expect(buckets.at(-1)!.le).toBe("+Inf")
      const bounds = buckets.slice(0, -1).map((b) => Number(b.le))
      expect(bounds).toEqual([...bounds].sort((a, b) => a - b))
      // In seconds: from under a millisecond to beyond the 10 s command timeout.
      expect(bounds[0]).toBeLessThanOrEqual(0.001)
      expect(bounds.at(-1)).toBeGreaterThan(10)
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.count).toBeGreaterThanOrEqual(buckets[i - 1]!.count)
      const count = metrics.value("low_command_duration_seconds_count", { handler: "wallet" })
      expect(count).toBeGreaterThan(0)
      expect(buckets.at(-1)!.count).toBe(count)
      expect(metrics.value("low_command_duration_seconds_sum", { handler: "wallet" })).toBeGreaterThan(0)
    })

    if (options.series !== undefined && options.series.length > 0)
      it(`given the project's other metrics, when /metrics is read, then it has ${options.series.map((s) => s.name).join(", ")}`, async () => {
        const metrics = await read()
        for (const wanted of options.series ?? []) {
          const found = metrics.samples(wanted.name).filter((s) => matches(s.labels ?? {}, wanted.labels ?? {}))
          expect(
            found.length,
            `${wanted.name} ${JSON.stringify(wanted.labels ?? {}, (_, v) => (v instanceof RegExp ? String(v) : v))}`
          ).toBeGreaterThan(0)
          if (wanted.value !== undefined) for (const s of found) expect(Number(s.value), wanted.name).toBe(wanted.value)
        }
      })
  })
}
