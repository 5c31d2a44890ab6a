import { Effect } from "effect"

interface Waiter {
  readonly target: number
  readonly reached: () => void
}

/**
 * How far a consumer has got through a log, and who waits for it to get further. Waiters are plain callbacks,
 * kept in target order, so advancing looks at the front of the line and costs no fiber per waiter.
 */
export const makeWatermark = () => {
  let position = 0
  // Ascending by target. Targets mostly arrive in order, so a new waiter usually goes at the end.
  const waiters: Array<Waiter> = []

  /**
   * Calls `reached` once the consumer has passed `target`, at once if it already has. The returned function
   * withdraws a waiter not called yet, so one who gives up is not kept.
   */
  const when = (target: number, reached: () => void): (() => void) => {
    if (position >= target) {
      reached()
      return () => {}
    }
    const waiter: Waiter = { target, reached }
    let at = waiters.length
    while (at > 0 && waiters[at - 1]!.target > target) at--
    waiters.splice(at, 0, waiter)
    return () => {
      const index = waiters.indexOf(waiter)
      if (index >= 0) waiters.splice(index, 1)
    }
  }

  return {
    get position() {
      return position
    },
    /** How many wait for a position not reached yet. */
    get waiting() {
      return waiters.length
    },
    /** Moves the watermark forward to `to` (never back) and calls every waiter it passes. */
    advance: (to: number): void => {
      if (to <= position) return
      position = to
      let passed = 0
      while (passed < waiters.length && waiters[passed]!.target <= to) passed++
      if (passed > 0) for (const waiter of waiters.splice(0, passed)) waiter.reached()
    },
    when,
    /** Completes once the consumer has passed `target`; an interrupted wait leaves the line. */
    reached: (target: number): Effect.Effect<void> => Effect.async<void>((resume) => Effect.sync(when(target, () => resume(Effect.void))))
  }
}

export type Watermark = ReturnType<typeof makeWatermark>
