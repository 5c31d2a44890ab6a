import { type Cause, Deferred, Effect, Exit, FiberId, RuntimeFlags } from "effect"

/** What follows work done holding a key, once the key is free again: the next step for its success or failure. */
export interface AfterRelease<A, E, B, E2, R2> {
  readonly onSuccess: (value: A) => Effect.Effect<B, E2, R2>
  readonly onFailure: (cause: Cause.Cause<E>) => Effect.Effect<B, E2, R2>
}

const passOn = { onSuccess: Effect.succeed, onFailure: Effect.failCause }

const unmasked = <X>(effect: X) => effect

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

  /**
   * Runs `work` holding `key`, frees the key however it ends, and goes on with `then` in the same step; called
   * where interruption is masked, `restore` giving `then` back the caller's.
   */
  const holding = <A, E, R, B, E2, R2>(
    key: string,
    work: Effect.Effect<A, E, R>,
    then: AfterRelease<A, E, B, E2, R2>,
    restore: <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>
  ) =>
    Effect.matchCauseEffect(work, {
      onFailure: (cause) => {
        release(key)
        return restore(then.onFailure(cause))
      },
      onSuccess: (value) => {
        release(key)
        return restore(then.onSuccess(value))
      }
    })

  /** Takes `key` at once if it is free; the taker then owes one `release`, however its work ends. */
  const tryTake = (key: string): boolean => {
    if (queues.has(key)) return false
    queues.set(key, [])
    return true
  }

  // Taking the key and arranging its release are one uninterruptible step: an interruption that landed between
  // them would leave the key taken for good. Only the work itself, the wait for a turn and what follows can be
  // interrupted.
  const masked = <A, E, R, B, E2, R2>(key: string, effect: Effect.Effect<A, E, R>, then: AfterRelease<A, E, B, E2, R2>) =>
    Effect.uninterruptibleMask((restore) => {
      if (tryTake(key)) return holding(key, restore(effect), then, restore)
      const waiter: Waiter = { turn: Deferred.unsafeMake<void>(FiberId.none), handed: false }
      queues.get(key)!.push(waiter)
      return Effect.matchCauseEffect(restore(Deferred.await(waiter.turn)), {
        onFailure: (cause) => (leave(key, waiter), Effect.failCause(cause)),
        onSuccess: () => holding(key, restore(effect), then, restore)
      })
    })

  /**
   * Runs `effect` holding `key`, then, with the key free again, `then` for how it ended. A caller that cannot be
   * interrupted needs no mask (nothing can land between taking the key and its release), and the mask is most of
   * what the lock costs: the event system's lanes, which run whole batches uninterruptibly, skip it.
   */
  const matchCause = <A, E, R, B, E2, R2>(
    key: string,
    effect: Effect.Effect<A, E, R>,
    then: AfterRelease<A, E, B, E2, R2>
  ): Effect.Effect<B, E | E2, R | R2> =>
    Effect.withFiberRuntime((_, status) =>
      !RuntimeFlags.interruptible(status.runtimeFlags) && tryTake(key) ? holding(key, effect, then, unmasked) : masked(key, effect, then)
    )

  /** Runs `effect` holding `key`. */
  const withKey = <A, E, R>(key: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    matchCause(key, effect, passOn as AfterRelease<A, E, A, E, never>)

  return Object.assign(withKey, { matchCause })
}

export type KeyedLock = ReturnType<typeof makeKeyedLock>
