import { Context, Effect, Layer, type Duration } from "effect"

/** A dependency a server needs, and how to ask whether it answers; or, with `reading`, a figure it reports. */
export interface HealthCheck {
  readonly name: string
  readonly check: Effect.Effect<unknown, unknown>
  /**
   * When set, this is no dependency but a reading (a count, say): `/healthz` shows what `check` answers under
   * `name`, and a failure of it fails nothing.
   */
  readonly reading?: true
}

/** The dependencies `/healthz` reports on, and the readings it shows. */
export class Health extends Context.Tag("low/core/Health")<Health, ReadonlyArray<HealthCheck>>() {
  /** No dependency outside the process. */
  static readonly none = Layer.succeed(Health, [])
}

/** The checks that are dependencies, not readings. */
export const dependencies = (checks: ReadonlyArray<HealthCheck>) => checks.filter((c) => c.reading !== true)

/** Asks every dependency at once, each within `timeout`; the names of those that did not answer. */
export const failing = (checks: ReadonlyArray<HealthCheck>, timeout: Duration.DurationInput = "2 seconds") =>
  Effect.forEach(
    dependencies(checks),
    ({ name, check }) => check.pipe(Effect.timeout(timeout), Effect.match({ onFailure: () => [name], onSuccess: () => [] })),
    { concurrency: "unbounded" }
  ).pipe(Effect.map((names) => names.flat()))

/** Takes every reading at once, each within `timeout`: those that answered, by name. */
export const readings = (checks: ReadonlyArray<HealthCheck>, timeout: Duration.DurationInput = "2 seconds") =>
  Effect.forEach(
    checks.filter((c) => c.reading === true),
    ({ name, check }) =>
      check.pipe(Effect.timeout(timeout), Effect.match({ onFailure: () => [], onSuccess: (value) => [[name, value] as const] })),
    { concurrency: "unbounded" }
  ).pipe(Effect.map((pairs) => Object.fromEntries(pairs.flat())))
