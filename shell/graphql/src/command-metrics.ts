import { Cause, MetricBoundaries, Option } from "effect"
import { histograms, totals, type Observed, type Total } from "@low/core"
import type { AnyHandler } from "@low/core"

const commands = totals(
  "low_commands_total",
  "Mutations answered, by the handler of their command and outcome: applied, duplicate, bad_input, idempotency_conflict, unavailable, timeout, error, or a rejection's tag in snake_case."
)

/** From half a millisecond to past the default command timeout (10 s) and request timeout (30 s). */
const latencyBuckets = MetricBoundaries.fromIterable([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])

const durations = histograms(
  "low_command_duration_seconds",
  "Time from a mutation's arguments reaching its route to its answer, whatever the outcome, by handler.",
  latencyBuckets
)

/** The outcome label of a tag: `InsufficientFunds` → `insufficient_funds`; a PortFailure is answered UNAVAILABLE. */
const outcomeOf = (tag: string) => (tag === "PortFailure" ? "unavailable" : tag.replace(/(?<=[a-z0-9])(?=[A-Z])/g, "_").toLowerCase())

/**
 * Counts and times one handler's mutations, outside any effect (the route adds no step for it); each series is made
 * once, so recording one allocates nothing.
 */
export class CommandMeter {
  private readonly byTag = new Map<string, Total>()
  private readonly duration: Observed
  constructor(private readonly handler: string) {
    this.duration = durations({ handler })
  }

  /** One mutation answered with `tag`'s outcome, `started` (a `performance.now()`) ago. */
  count(tag: string, started: number) {
    let total = this.byTag.get(tag)
    if (total === undefined) {
      total = commands({ handler: this.handler, outcome: outcomeOf(tag) })
      this.byTag.set(tag, total)
    }
    total.add()
    this.duration.observe((performance.now() - started) / 1000)
  }

  /** One mutation that failed with `cause`: a rejection or the machinery's failure, by tag; anything else is "Error". */
  failed(cause: Cause.Cause<unknown>, started: number) {
    const failure = Cause.failureOption(cause)
    const tag = Option.isSome(failure) ? (failure.value as { readonly _tag?: unknown } | null)?._tag : undefined
    this.count(typeof tag === "string" ? tag : "Error", started)
  }
}

const meters = new WeakMap<AnyHandler, CommandMeter>()

/** The meter of a handler's mutations. */
export const meterOf = (handler: AnyHandler) => {
  let meter = meters.get(handler)
  if (meter === undefined) meters.set(handler, (meter = new CommandMeter(handler.name)))
  return meter
}
