import { Metrics, Resource } from "@effect/opentelemetry"
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus"
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics"
import { Context, Data, Effect, Layer } from "effect"
import { failing, levels, sampleMetrics, type HealthCheck } from "@low/core"

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
    for (const { name } of checks) dependencyUp({ dependency: name }).set(down.includes(name) ? 0 : 1)
  })

/** The prefix of the metrics served: the toolkit's own, named by Prometheus' conventions. */
const served = "low_"

/**
 * The metrics served, without `# UNIT` lines: those belong to OpenMetrics, not to the text format served, and
 * Effect's metrics carry no unit but "1"; the unit is each name's suffix (`_seconds`, `_events`, ...). Effect's
 * own fiber metrics (`effect_fiber_*`, on by default) are left out: they have no help text and count milliseconds.
 */
const exposed = (metrics: ResourceMetrics): ResourceMetrics => ({
  ...metrics,
  scopeMetrics: metrics.scopeMetrics.map((scope) => ({
    ...scope,
    metrics: scope.metrics
      .filter((metric) => metric.descriptor.name.startsWith(served))
      .map((metric) => ({ ...metric, descriptor: { ...metric.descriptor, unit: "" } }))
  }))
})

/** A scrape that could not read the metrics: the exporter was shut down, with the process. */
export class ScrapeFailed extends Data.TaggedError("ScrapeFailed")<{ readonly cause: unknown }> {}

/**
 * Effect's metrics of this process in Prometheus' text format, through OpenTelemetry's Prometheus exporter. Effect
 * keeps its metrics for the whole process, so every instance of this service reads the same ones.
 */
export class PrometheusMetrics extends Context.Tag("low/telemetry/PrometheusMetrics")<
  PrometheusMetrics,
  {
    /** Reads the gauges sampled on scrape and the health checks (each within `scrapeTimeout`), then every metric. */
    readonly scrape: (checks: ReadonlyArray<HealthCheck>) => Effect.Effect<string, ScrapeFailed>
  }
>() {
  static readonly layer = Layer.scoped(
    PrometheusMetrics,
    Effect.gen(function* () {
      // Served from the process's own HTTP server, not from a server of the exporter's.
      const exporter = new PrometheusExporter({ preventServerStart: true })
      yield* Metrics.registerProducer(yield* Metrics.makeProducer, () => exporter)
      // No `otel_scope_name` label on every series, and no `target_info`: Prometheus' job and instance name the process.
      const serializer = new PrometheusSerializer(undefined, false, undefined, true, true)
      return PrometheusMetrics.of({
        scrape: (checks) =>
          Effect.all([sampleMetrics(scrapeTimeout), checkDependencies(checks)], { concurrency: "unbounded", discard: true }).pipe(
            Effect.zipRight(Effect.tryPromise({ try: () => exporter.collect(), catch: (cause) => new ScrapeFailed({ cause }) })),
            Effect.map(({ resourceMetrics }) => serializer.serialize(exposed(resourceMetrics)))
          )
      })
    })
  ).pipe(Layer.provide(Resource.layer({ serviceName: "low" })))
}
