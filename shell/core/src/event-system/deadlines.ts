import { Deferred, Duration, Effect, Exit, FiberId } from "effect"

/** A request's deadline: `settle` when it is answered, else `expire` runs once the time is up. */
export interface Deadline {
  settle(): void
}

interface Entry extends Deadline {
  readonly at: number
  settled: boolean
  /** Dropped once settled: an entry waits in the list until the watcher passes it, its request must not. */
  expire: (() => void) | undefined
}

/**
 * Deadlines of one fixed length, watched by one fiber for as long as the scope lives. Every deadline is `timeout`
 * after its request began, so they fall due in the order they were set: the watcher sleeps until the oldest one
 * still unsettled, and a request costs an entry in a list rather than a timer of its own.
 */
export const makeDeadlines = (timeout: Duration.DurationInput) =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const millis = Duration.toMillis(timeout)
    let entries: Array<Entry> = []
    let head = 0
    let idle: Deferred.Deferred<void> | undefined

    const settle = function (this: Entry) {
      this.settled = true
      this.expire = undefined
    }

    const set = (expire: () => void): Deadline => {
      const entry: Entry = { at: clock.unsafeCurrentTimeMillis() + millis, settled: false, expire, settle }
      entries.push(entry)
      if (idle !== undefined) {
        Deferred.unsafeDone(idle, Exit.void)
        idle = undefined
      }
      return entry
    }

    const watch = Effect.suspend(() => {
      while (head < entries.length && entries[head]!.settled) head++
      if (head > 1024 && head * 2 > entries.length) {
        entries = entries.slice(head)
        head = 0
      }
      const oldest = entries[head]
      if (oldest === undefined) {
        idle = Deferred.unsafeMake<void>(FiberId.none)
        return Deferred.await(idle)
      }
      const now = clock.unsafeCurrentTimeMillis()
      if (oldest.at > now) return clock.sleep(Duration.millis(oldest.at - now))
      head++
      const expire = oldest.expire
      oldest.settle()
      expire?.()
      return Effect.void
    })
    yield* Effect.forkScoped(Effect.forever(watch))

    return { set }
  })
