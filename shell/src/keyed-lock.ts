import { Effect } from "effect"

/** One permit per key, for as long as anyone waits on it: serializes work on one entity within a process. */
export const makeKeyedLock = () => {
  const locks = new Map<string, { readonly semaphore: Effect.Semaphore; users: number }>()
  const release = (key: string) =>
    Effect.sync(() => {
      const lock = locks.get(key)
      if (lock !== undefined && --lock.users === 0) locks.delete(key)
    })
  return <A, E, R>(key: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      let lock = locks.get(key)
      if (lock === undefined) {
        lock = { semaphore: Effect.unsafeMakeSemaphore(1), users: 0 }
        locks.set(key, lock)
      }
      lock.users++
      return Effect.ensuring(lock.semaphore.withPermits(1)(effect), release(key))
    })
}
