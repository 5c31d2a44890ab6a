import { Effect, Exit, ManagedRuntime, MetricBoundaries, Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { histograms, levels, sampledOnScrape, totals } from "@low/core"
import { PrometheusMetrics } from "./prometheus"

const runtime = ManagedRuntime.make(PrometheusMetrics.layer)
afterAll(() => runtime.dispose())

const scrape = (checks: Parameters<PrometheusMetrics["Type"]["scrape"]>[0] = []) =>
  runtime.runPromise(Effect.flatMap(PrometheusMetrics, (metrics) => metrics.scrape(checks)))

/** The lines of one family, from its HELP line to the next family's. */
const family = (text: string, name: string) => {
  const lines = text.split("\n")
  const from = lines.indexOf(lines.find((l) => l.startsWith(`# HELP ${name} `))!)
  expect(from, `${name} in\n${text}`).toBeGreaterThanOrEqual(0)
  const end = lines.findIndex((l, i) => i > from && l.startsWith("# HELP "))
  return lines.slice(from, end === -1 ? undefined : end).filter((l) => l !== "")
}

describe("PrometheusMetrics", () => {
  it("given a total, a level and a histogram, when scraped, then each is its Prometheus type, named once with its suffix, without OpenMetrics' UNIT lines", async () => {
    totals("low_test_things_total", "Things.")({ kind: "a" }).add(3)
    levels("low_test_depth_events", "Depth.")({}).set(7)
    const h = histograms("low_test_wait_seconds", "Waits.", MetricBoundaries.fromIterable([0.1, 1]))({ kind: "b" })
    h.observe(0.05)
    h.observe(0.5)
    h.observe(5)
    const text = await scrape()
    expect(family(text, "low_test_things_total")).toEqual([
      "# HELP low_test_things_total Things.",
      "# TYPE low_test_things_total counter",
      'low_test_things_total{kind="a"} 3'
    ])
    expect(family(text, "low_test_depth_events")).toEqual([
      "# HELP low_test_depth_events Depth.",
      "# TYPE low_test_depth_events gauge",
      "low_test_depth_events 7"
    ])
    expect(family(text, "low_test_wait_seconds")).toEqual([
      "# HELP low_test_wait_seconds Waits.",
      "# TYPE low_test_wait_seconds histogram",
      'low_test_wait_seconds_count{kind="b"} 3',
      'low_test_wait_seconds_sum{kind="b"} 5.55',
      'low_test_wait_seconds_bucket{kind="b",le="0.1"} 1',
      'low_test_wait_seconds_bucket{kind="b",le="1"} 2',
      'low_test_wait_seconds_bucket{kind="b",le="+Inf"} 3'
    ])
    expect(text).not.toMatch(/^# UNIT|otel_scope|target_info|effect_fiber/m)
  })

  it("given label values and help text with quotes, backslashes and line breaks, when scraped, then they are escaped as the text format says", async () => {
    totals("low_test_escaped_total", "Line one\nline two, a back\\slash.")({ name: 'say "hi"\\now\nplease' }).add()
    const text = await scrape()
    expect(family(text, "low_test_escaped_total")).toEqual([
      "# HELP low_test_escaped_total Line one\\nline two, a back\\\\slash.",
      "# TYPE low_test_escaped_total counter",
      'low_test_escaped_total{name="say \\"hi\\"\\\\now\\nplease"} 1'
    ])
  })

  it("given a reading and a health check that never answer, when scraped, then it answers within the scrape timeout, the dependency down and the other readings taken", async () => {
    const stuck = levels("low_test_stuck_events", "Never read.")({})
    const read = levels("low_test_read_events", "Read.")({})
    const scope = Effect.runSync(Scope.make())
    Effect.runSync(
      Scope.extend(
        Effect.zipRight(
          sampledOnScrape(
            Effect.zipRight(
              Effect.never,
              Effect.sync(() => stuck.set(1))
            )
          ),
          sampledOnScrape(Effect.sync(() => read.set(42)))
        ),
        scope
      )
    )
    const started = performance.now()
    const text = await scrape([
      { name: "hanging", check: Effect.never },
      { name: "failing", check: Effect.fail("down") },
      { name: "fine", check: Effect.void }
    ])
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(text).toContain('low_dependency_up{dependency="hanging"} 0')
    expect(text).toContain('low_dependency_up{dependency="failing"} 0')
    expect(text).toContain('low_dependency_up{dependency="fine"} 1')
    expect(text).toContain("low_test_stuck_events 0")
    expect(text).toContain("low_test_read_events 42")
    // Once their scope closes, the readings are no longer taken.
    await Effect.runPromise(Scope.close(scope, Exit.void))
    const quick = performance.now()
    await scrape()
    expect(performance.now() - quick).toBeLessThan(1_000)
  }, 10_000)
})
