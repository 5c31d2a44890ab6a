import { Context, Effect, Layer, Metric, MetricKeyType, type MetricPair } from "effect"
import { dependencies, failing, levels, sampleMetrics, type HealthCheck } from "@low/core"

/** How long a scrape waits for any one reading (a lag, a health check) before it answers with what it has. */
export const scrapeTimeout = "2 seconds"

/** The content type of Prometheus' text exposition format. */
export const prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

const dependencyUp = levels(
  "low_dependency_up",
  "Whether a dependency answered its health check at the last scrape (1) or not within 2 s (0), by dependency."
)

/** Sets `low_dependency_up` from the health checks, asked at once, each within the scrape timeout. */
const checkDependencies = (checks: ReadonlyArray<HealthCheck>) =>
  Effect.map(failing(checks, scrapeTimeout), (down) => {
    for (const { name } of dependencies(checks)) dependencyUp({ dependency: name }).set(down.includes(name) ? 0 : 1)
  })

/** The prefix of the metrics served: the toolkit's own, named by Prometheus' conventions. */
const served = "low_"

const escapeHelp = (text: string) => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")
const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
const numberOf = (n: number | bigint) =>
  typeof n === "bigint" ? String(n) : n === Number.POSITIVE_INFINITY ? "+Inf" : n === Number.NEGATIVE_INFINITY ? "-Inf" : String(n)
const labelsOf = (labels: ReadonlyArray<readonly [string, string]>) =>
  labels.length === 0 ? "" : `{${labels.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(",")}}`

/** Prometheus' names of the metric types this toolkit makes (the exposition's TYPE lines). */
const PrometheusType = { Counter: "counter", Gauge: "gauge", Histogram: "histogram" } as const

/** The Prometheus type of a metric. */
const typeOf = (keyType: unknown) =>
  MetricKeyType.isCounterKey(keyType)
    ? PrometheusType.Counter
    : MetricKeyType.isGaugeKey(keyType)
      ? PrometheusType.Gauge
      : MetricKeyType.isHistogramKey(keyType)
        ? PrometheusType.Histogram
        : undefined

/** One series' lines: a total or a level as one sample, a histogram as its count, sum and cumulative buckets. */
const samples = (name: string, { metricKey, metricState }: MetricPair.MetricPair.Untyped): ReadonlyArray<string> => {
  const labels = metricKey.tags.map((tag) => [tag.key, tag.value] as const)
  const state = metricState as {
    readonly count?: number | bigint
    readonly value?: number | bigint
    readonly sum?: number
    readonly buckets?: ReadonlyArray<readonly [number, number]>
  }
  switch (typeOf(metricKey.keyType)) {
    case PrometheusType.Counter:
      return [`${name}${labelsOf(labels)} ${numberOf(state.count ?? 0)}`]
    case PrometheusType.Gauge:
      return [`${name}${labelsOf(labels)} ${numberOf(state.value ?? 0)}`]
    case PrometheusType.Histogram:
      return [
        `${name}_count${labelsOf(labels)} ${numberOf(state.count ?? 0)}`,
        `${name}_sum${labelsOf(labels)} ${numberOf(state.sum ?? 0)}`,
        ...(state.buckets ?? []).map(([bound, count]) => `${name}_bucket${labelsOf([...labels, ["le", numberOf(bound)]])} ${count}`)
      ]
    default:
      return []
  }
}

/**
 * Effect's metrics of this process in Prometheus' text format (version 0.0.4): a HELP and a TYPE line per family,
 * then its series. Only the toolkit's own (`low_...`): Effect's fiber metrics have no help text and count
 * milliseconds. Written here rather than through OpenTelemetry's Prometheus exporter: the exporter needs the
 * OpenTelemetry metrics SDK and @effect/opentelemetry loaded in every process, and that alone cost a mutation about
 * 7 % of its CPU, in garbage collection (see BENCHMARKS.md, "Tracing off").
 */
export const exposition = (pairs: ReadonlyArray<MetricPair.MetricPair.Untyped>): string => {
  const families = new Map<string, { readonly help: string; readonly type: string; readonly lines: Array<string> }>()
  for (const pair of pairs) {
    const { name, description, keyType } = pair.metricKey
    const type = typeOf(keyType)
    if (!name.startsWith(served) || type === undefined) continue
    let family = families.get(name)
    if (family === undefined)
      families.set(name, (family = { help: description._tag === "Some" ? description.value : name, type, lines: [] }))
    family.lines.push(...samples(name, pair))
  }
  return [...families]
    .map(([name, { help, type, lines }]) => [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`, ...lines].join("\n"))
    .join("\n")
    .concat("\n")
}

/**
 * Effect's metrics of this process in Prometheus' text format (see `exposition`). Effect
 * keeps its metrics for the whole process, so every instance of this service reads the same ones.
 */
export class PrometheusMetrics extends Context.Tag("low/telemetry/PrometheusMetrics")<
  PrometheusMetrics,
  {
    /** Reads the gauges sampled on scrape and the health checks (each within `scrapeTimeout`), then every metric. */
    readonly scrape: (checks: ReadonlyArray<HealthCheck>) => Effect.Effect<string>
  }
>() {
  static readonly layer = Layer.succeed(
    PrometheusMetrics,
    PrometheusMetrics.of({
      scrape: (checks) =>
        Effect.all([sampleMetrics(scrapeTimeout), checkDependencies(checks)], { concurrency: "unbounded", discard: true }).pipe(
          Effect.zipRight(Effect.map(Metric.snapshot, exposition))
        )
    })
  )
}
