import { Effect } from "effect"

/**
 * A pause for tests that attack the fencing with real processes: with `LOW_TEST_STALL=<point>:<commandId>`, the
 * handler stops at `point` the first time it gets there with that command, and goes on when the process gets
 * SIGUSR2. `decided`: the command is decided, nothing of the decision is written yet; `committed`: its batch is
 * decided and written to Redis, nothing of it is published or answered yet. Unset, it costs one comparison.
 */
export type StallPoint = "decided" | "committed"

const wanted = process.env["LOW_TEST_STALL"]
let stalled = false

/** Whether a stall is asked for at all. */
export const stallsWanted = wanted !== undefined && wanted !== ""

/** Waits for SIGUSR2 if this is the stall asked for (once per process), at once otherwise. */
export const stallAt = (point: StallPoint, commandIds: ReadonlyArray<string>): Effect.Effect<void> =>
  !stallsWanted || stalled || !commandIds.some((id) => wanted === `${point}:${id}`)
    ? Effect.void
    : Effect.zipRight(
        Effect.sync(() => {
          stalled = true
          // Written at once, not through the logger: the test waits for this line before it goes on.
          process.stderr.write(`test hook: stalled at ${wanted}\n`)
        }),
        Effect.async<void>((resume) => {
          process.once("SIGUSR2", () => resume(Effect.void))
        })
      )
