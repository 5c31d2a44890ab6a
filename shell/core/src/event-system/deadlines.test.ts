import { runInNewContext } from "node:vm"
import { setFlagsFromString } from "node:v8"
import { Effect, TestClock } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { makeDeadlines } from "./deadlines"

const settle = Effect.repeatN(Effect.yieldNow(), 10)

describe("deadlines", () => {
  it.scoped("given deadlines set a second apart, when time passes, then each expires once its own time is up", () =>
    Effect.gen(function* () {
      const deadlines = yield* makeDeadlines("10 seconds")
      const expired: Array<string> = []
      deadlines.set(() => expired.push("a"))
      yield* TestClock.adjust("1 second")
      deadlines.set(() => expired.push("b"))
      yield* TestClock.adjust("8999 millis")
      expect(expired).toStrictEqual([])
      yield* TestClock.adjust("1 millis")
      yield* settle
      expect(expired).toStrictEqual(["a"])
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(expired).toStrictEqual(["a", "b"])
    })
  )

  it.scoped(
    "given settled deadlines whose time is far off, when they wait in the list, then what their expiry would touch is not kept",
    () =>
      Effect.gen(function* () {
        setFlagsFromString("--expose-gc")
        const gc = runInNewContext("gc") as () => void
        const deadlines = yield* makeDeadlines("10 seconds")
        // An unsettled deadline first, so the watcher sleeps and the settled ones stay in its list.
        deadlines.set(() => undefined)
        const requests: Array<WeakRef<object>> = []
        for (let i = 0; i < 100; i++) {
          const request = { payload: new Array(1_000).fill(i) }
          requests.push(new WeakRef(request))
          deadlines.set(() => void request.payload.push(-1)).settle()
        }
        // A WeakRef holds its target until the current job ends: collect in a later one.
        yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
        gc()
        gc()
        expect(requests.filter((r) => r.deref() !== undefined)).toHaveLength(0)
      })
  )

  it.scoped("given a settled deadline, when its time is up, then it does not expire, and later ones still do", () =>
    Effect.gen(function* () {
      const deadlines = yield* makeDeadlines("1 second")
      const expired: Array<number> = []
      const first = deadlines.set(() => expired.push(1))
      deadlines.set(() => expired.push(2))
      first.settle()
      yield* TestClock.adjust("2 seconds")
      yield* settle
      expect(expired).toStrictEqual([2])
    })
  )

  it.scoped("given a watcher with nothing left to watch, when a new deadline is set, then it wakes and expires it", () =>
    Effect.gen(function* () {
      const deadlines = yield* makeDeadlines("1 second")
      const expired: Array<number> = []
      deadlines.set(() => expired.push(1))
      yield* TestClock.adjust("1 second")
      yield* settle
      deadlines.set(() => expired.push(2))
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(expired).toStrictEqual([1, 2])
    })
  )

  it.scoped("given thousands of settled deadlines, when the watcher passes them, then only the unsettled one expires", () =>
    Effect.gen(function* () {
      const deadlines = yield* makeDeadlines("1 second")
      let expired = 0
      for (let i = 0; i < 5000; i++) deadlines.set(() => expired++).settle()
      deadlines.set(() => expired++)
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(expired).toBe(1)
    })
  )
})
