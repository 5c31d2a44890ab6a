import { Context, Effect, Layer, type Duration } from "effect"

/** A dependency a server needs, and how to ask whether it answers. */
export interface HealthCheck {
  readonly name: string
  readonly check: Effect.Effect<unknown, unknown>
}

/** The dependencies `/healthz` reports on. */
export class Health extends Context.Tag("low/core/Health")<Health, ReadonlyArray<HealthCheck>>() {
  /** No dependency outside the process. */
  static readonly none = Layer.succeed(Health, [])
}

/** Asks every dependency at once, each within `timeout`; the names of those that did not answer. */
export const failing = (checks: ReadonlyArray<HealthCheck>, timeout: Duration.DurationInput = "2 seconds") =>
  Effect.forEach(
    checks,
    ({ name, check }) => check.pipe(Effect.timeout(timeout), Effect.match({ onFailure: () => [name], onSuccess: () => [] })),
    { concurrency: "unbounded" }
  ).pipe(Effect.map((names) => names.flat()))
