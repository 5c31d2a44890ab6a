import { Effect, Fiber, Option } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { makeDocWatch } from "./views"

describe("makeDocWatch", () => {
  it.effect("given interest in a document, when it changes, then the wait ends; a change of another document does not end it", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const watch = makeDocWatch()
        const next = yield* watch.changes("transfers", "t1")
        const waiting = yield* Effect.fork(next)
        watch.changed("transfers", "t2")
        watch.changed("wallets", "t1")
        yield* Effect.yieldNow()
        expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
        watch.changed("transfers", "t1")
        yield* Fiber.join(waiting)
      })
    )
  )

  it.effect("given interest registered before a change, when the wait starts after it, then it ends at once", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const watch = makeDocWatch()
        const next = yield* watch.changes("transfers", "t1")
        watch.changed("transfers", "t1")
        yield* next
      })
    )
  )

  it.effect("given interest withdrawn (its scope closed), when asked, then no one waits", () =>
    Effect.gen(function* () {
      const watch = makeDocWatch()
      yield* Effect.scoped(watch.changes("transfers", "t1"))
      expect(watch.waiting()).toBe(false)
      yield* Effect.scoped(
        Effect.zipRight(
          watch.changes("transfers", "t1"),
          Effect.sync(() => expect(watch.waiting()).toBe(true))
        )
      )
      expect(watch.waiting()).toBe(false)
    })
  )
})
