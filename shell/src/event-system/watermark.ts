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
        const done = Deferred.unsafeMake<void>(FiberId.none)
        waiters.push({ position: target, done })
        return Deferred.await(done)
      })
  }
}

export type Watermark = ReturnType<typeof makeWatermark>
