import { Deferred, Effect, Exit, FiberId, RuntimeFlags } from "effect"

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

  const release = (key: string) => {
    const next = queues.get(key)?.shift()
    if (next === undefined) return void queues.delete(key)
    next.handed = true
    Deferred.unsafeDone(next.turn, Exit.void)
  }

  // A waiter interrupted after it was handed the key passes it on; one interrupted before leaves the queue.
  const leave = (key: string, waiter: Waiter) => {
    if (waiter.handed) return release(key)
    const waiting = queues.get(key)
    waiting?.splice(waiting.indexOf(waiter), 1)
  }

  /** Runs `work` holding `key`, and frees the key however it ends; called where interruption is masked. */
  const holding = <A, E, R>(key: string, work: Effect.Effect<A, E, R>) =>
    Effect.matchCauseEffect(work, {
      onFailure: (cause) => {
        release(key)
        return Effect.failCause(cause)
      },
      onSuccess: (value) => {
        release(key)
        return Effect.succeed(value)
      }
    })

  // Taking the key and arranging its release are one uninterruptible step: an interruption that landed between
  // them would leave the key taken for good. Only the work itself, and the wait for a turn, can be interrupted.
  const masked = <A, E, R>(key: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.uninterruptibleMask((restore) => {
      const waiting = queues.get(key)
      if (waiting === undefined) {
        queues.set(key, [])
        return holding(key, restore(effect))
      }
      const waiter: Waiter = { turn: Deferred.unsafeMake<void>(FiberId.none), handed: false }
      waiting.push(waiter)
      return Effect.matchCauseEffect(restore(Deferred.await(waiter.turn)), {
        onFailure: (cause) => (leave(key, waiter), Effect.failCause(cause)),
        onSuccess: () => holding(key, restore(effect))
      })
    })

  /** Takes `key` at once if it is free; the taker then owes one `release`, however its work ends. */
  const tryTake = (key: string): boolean => {
    if (queues.has(key)) return false
    queues.set(key, [])
    return true
  }

  // A caller that cannot be interrupted needs no mask: nothing can land between taking the key and its release.
  // The mask is most of what the lock costs, so callers that run whole batches uninterruptibly (the event
  // system's lanes) skip it; an uncontended key then costs a map entry and one step.
  return <A, E, R>(key: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiberRuntime((_, status) =>
      !RuntimeFlags.interruptible(status.runtimeFlags) && tryTake(key) ? holding(key, effect) : masked(key, effect)
    )
}

export type KeyedLock = ReturnType<typeof makeKeyedLock>
