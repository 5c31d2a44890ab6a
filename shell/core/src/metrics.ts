import { Effect, GlobalValue, Metric, MetricKey, MetricLabel, type Duration, type MetricBoundaries, type Scope } from "effect"

/** Label names and their values, e.g. `{ handler: "h" }`. */
export type Labels = Readonly<Record<string, string>>

/** No extra labels: an instance made for its labels updates its own series through a hook it keeps. */
const none: ReadonlyArray<MetricLabel.MetricLabel> = []

/**
 * One metric per set of label values, made on first use and kept. `Metric.tagged` would look the series up in the
 * registry on every update; an instance made from a tagged key finds it once.
 */
const series = <M>(make: (labels: ReadonlyArray<MetricLabel.MetricLabel>) => M) => {
  const made = new Map<string, M>()
  return (labels: Labels): M => {
    const key = JSON.stringify(labels)
    let metric = made.get(key)
    if (metric === undefined) {
      metric = make(Object.entries(labels).map(([name, value]) => MetricLabel.make(name, value)))
      made.set(key, metric)
    }
    return metric
  }
}

/** A series that only grows, updated outside any fiber. */
export interface Total {
  readonly add: (n?: number) => void
}

/** A series set to the latest reading. */
export interface Level {
  readonly set: (value: number) => void
}

/** A histogram series. */
export interface Observed {
  readonly observe: (value: number) => void
}

/** A monotonic total (its name ends in `_total`), per set of labels. */
export const totals = (name: string, description: string) => {
  const key = MetricKey.counter(name, { description, incremental: true })
  return series((labels): Total => {
    const metric = Metric.fromMetricKey(MetricKey.taggedWithLabels(key, labels)).register()
    return { add: (n = 1) => metric.unsafeUpdate(n, none) }
  })
}

/** A value that goes up and down, per set of labels. */
export const levels = (name: string, description: string) => {
  const key = MetricKey.gauge(name, { description })
  return series((labels): Level => {
    const metric = Metric.fromMetricKey(MetricKey.taggedWithLabels(key, labels)).register()
    return { set: (value) => metric.unsafeUpdate(value, none) }
  })
}

/** A histogram with fixed bucket boundaries (in the unit its name ends with), per set of labels. */
export const histograms = (name: string, description: string, boundaries: MetricBoundaries.MetricBoundaries) => {
  const key = MetricKey.histogram(name, boundaries, description)
  return series((labels): Observed => {
    const metric = Metric.fromMetricKey(MetricKey.taggedWithLabels(key, labels)).register()
    return { observe: (value) => metric.unsafeUpdate(value, none) }
  })
}

/**
 * What is read when metrics are scraped rather than on every change: lags, pool use. Kept for the whole process,
 * as Effect keeps its metrics, so that each component registers its own readings where it runs without a service
 * threaded through every layer.
 */
const samplers = GlobalValue.globalValue(Symbol.for("low/core/metrics/samplers"), () => new Set<{ readonly sample: Effect.Effect<void> }>())

/** While the scope lives, `sample` runs before every scrape to set the gauges it owns. */
export const sampledOnScrape = (sample: Effect.Effect<void>): Effect.Effect<void, never, Scope.Scope> =>
  Effect.asVoid(
    Effect.acquireRelease(
      Effect.sync(() => {
        const entry = { sample }
        samplers.add(entry)
        return entry
      }),
      (entry) => Effect.sync(() => samplers.delete(entry))
    )
  )

/**
 * Runs every sampler at once, each for at most `timeout`. One that fails or takes longer (a broker that does not
 * answer) leaves its gauges at the last reading, so a scrape never waits longer than that.
 */
export const sampleMetrics = (timeout: Duration.DurationInput): Effect.Effect<void> =>
  Effect.forEach(samplers, ({ sample }) => Effect.ignore(Effect.timeout(sample, timeout)), { concurrency: "unbounded", discard: true })

/** Read-model lag: events written that a projector has not applied yet. */
export const projectionLag = levels(
  "low_projection_lag_events",
  "Events written to the channel a projector reads that it has not applied yet, by projector."
)

const writeConflicts = totals(
  "low_write_conflicts_total",
  "Commands whose write met a concurrent write to the same entity and were run again, by handler (once per command)."
)
const commandRetries = totals("low_command_retries_total", "Runs of lookup, operate and write again after a write conflict, by handler.")

/** The conflict metrics of one handler, as effects, made once per handler. */
const conflictMetrics = new Map<string, { readonly conflicted: Effect.Effect<void>; readonly retried: Effect.Effect<void> }>()
export const conflictMetricsOf = (handler: string) => {
  let metrics = conflictMetrics.get(handler)
  if (metrics === undefined) {
    const conflicts = writeConflicts({ handler })
    const retries = commandRetries({ handler })
    metrics = { conflicted: Effect.sync(() => conflicts.add()), retried: Effect.sync(() => retries.add()) }
    conflictMetrics.set(handler, metrics)
  }
  return metrics
}
