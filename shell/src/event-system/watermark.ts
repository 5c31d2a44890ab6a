import { Deferred, Effect, FiberId } from "effect"

/** How far a consumer has got through a log, and who waits for it to get further. */
export const makeWatermark = () => {
  let position = 0
  let waiters: Array<{ readonly position: number; readonly done: Deferred.Deferred<void> }> = []
  return {
    get position() {
      return position
    },
    advance: (to: number) =>
      Effect.suspend(() => {
        if (to <= position) return Effect.void
        position = to
        if (waiters.length === 0) return Effect.void
        const ready = waiters.filter((w) => w.position <= to)
        waiters = waiters.filter((w) => w.position > to)
        return Effect.forEach(ready, (w) => Deferred.succeed(w.done, undefined), { discard: true })
      }),
    /** Completes once the consumer has passed `target`. */
    reached: (target: number): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (position >= target) return Effect.void
        const waiter = { position: target, done: Deferred.unsafeMake<void>(FiberId.none) }
        waiters.push(waiter)
        // A caller that gives up (a timeout) stops waiting, so a stuck consumer does not collect waiters.
        return Effect.onInterrupt(Deferred.await(waiter.done), () =>
          Effect.sync(() => {
            waiters = waiters.filter((w) => w !== waiter)
          })
        )
      })
  }
}

export type Watermark = ReturnType<typeof makeWatermark>
