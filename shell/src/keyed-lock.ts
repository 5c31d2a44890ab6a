import { Deferred, Effect, Exit, FiberId } from "effect"

interface Waiter {
  readonly turn: Deferred.Deferred<void>
  handed: boolean
}

/**
 * Serializes work per key within a process: the first caller of a key runs at once, later ones queue behind it.
 * An uncontended key costs a map entry and no semaphore, which matters on the executor's hot path.
 */
export const makeKeyedLock = () => {
  const queues = new Map<string, Array<Waiter>>()

  const release = (key: string) =>
    Effect.sync(() => {
      const next = queues.get(key)?.shift()
      if (next === undefined) return void queues.delete(key)
      next.handed = true
      Deferred.unsafeDone(next.turn, Exit.void)
    })

  // A waiter interrupted after it was handed the lock passes it on; one interrupted before leaves the queue.
  const leave = (key: string, waiter: Waiter) =>
    waiter.handed
      ? release(key)
      : Effect.sync(() => {
          const waiting = queues.get(key)
          waiting?.splice(waiting.indexOf(waiter), 1)
        })

  return <A, E, R>(key: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      const waiting = queues.get(key)
      if (waiting === undefined) {
        queues.set(key, [])
        return Effect.ensuring(effect, release(key))
      }
      const waiter: Waiter = { turn: Deferred.unsafeMake<void>(FiberId.none), handed: false }
      waiting.push(waiter)
      return Effect.uninterruptibleMask((restore) =>
        restore(Deferred.await(waiter.turn)).pipe(
          Effect.onInterrupt(() => leave(key, waiter)),
          Effect.zipRight(Effect.ensuring(restore(effect), release(key)))
        )
      )
    })
}
