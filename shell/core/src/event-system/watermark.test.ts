import { Effect, Fiber, Option } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { makeWatermark } from "./watermark"

const settle = Effect.repeatN(Effect.yieldNow(), 10)
const pending = <A, E>(fiber: Fiber.Fiber<A, E>) => Effect.map(Fiber.poll(fiber), Option.isNone)

describe("watermark", () => {
  it.effect("given a new watermark, when nothing was consumed, then it stands at 0 and position 0 is reached", () =>
    Effect.gen(function* () {
      const mark = makeWatermark()
      expect(mark.position).toBe(0)
      yield* mark.reached(0)
    })
  )

  it("given a watermark at 5, when advanced to 3, then it stays at 5: it never goes back", () => {
    const mark = makeWatermark()
    mark.advance(5)
    mark.advance(3)
    expect(mark.position).toBe(5)
  })

  it.effect("given a watermark at 5, when waiting for 5 or below, then it completes at once", () =>
    Effect.gen(function* () {
      const mark = makeWatermark()
      mark.advance(5)
      yield* mark.reached(5)
      yield* mark.reached(1)
    })
  )

  it.effect("given a waiter for 5, when the watermark advances to 4 and then to 5, then it completes only at 5", () =>
    Effect.gen(function* () {
      const mark = makeWatermark()
      const waiter = yield* Effect.fork(mark.reached(5))
      yield* settle
      mark.advance(4)
      yield* settle
      expect(yield* pending(waiter)).toBe(true)
      mark.advance(5)
      yield* Fiber.join(waiter)
    })
  )

  it.effect(
    "given waiters for 2, 4 and 9, when the watermark jumps to 6, then those for 2 and 4 complete and the one for 9 still waits",
    () =>
      Effect.gen(function* () {
        const mark = makeWatermark()
        const [two, four, nine] = yield* Effect.forEach([2, 4, 9], (target) => Effect.fork(mark.reached(target)))
        yield* settle
        mark.advance(6)
        yield* Fiber.join(two!)
        yield* Fiber.join(four!)
        yield* settle
        expect(yield* pending(nine!)).toBe(true)
        mark.advance(9)
        yield* Fiber.join(nine!)
      })
  )

  it.effect("given many waiters on one target, when it is reached, then every one of them completes", () =>
    Effect.gen(function* () {
      const mark = makeWatermark()
      const waiters = yield* Effect.forEach(
        Array.from({ length: 100 }, () => 3),
        (target) => Effect.fork(mark.reached(target))
      )
      yield* settle
      mark.advance(3)
      yield* Fiber.joinAll(waiters)
    })
  )

  it.effect("given an interrupted waiter, when the watermark passes its target, then the others still complete", () =>
    Effect.gen(function* () {
      const mark = makeWatermark()
      const gone = yield* Effect.fork(mark.reached(2))
      const kept = yield* Effect.fork(mark.reached(2))
      yield* settle
      yield* Fiber.interrupt(gone)
      expect(mark.waiting).toBe(1)
      mark.advance(2)
      yield* Fiber.join(kept)
    })
  )

  it("given waiters that arrive out of order, when the watermark advances, then each is called once its target is passed", () => {
    const mark = makeWatermark()
    const called: Array<number> = []
    for (const target of [5, 2, 8, 2, 6]) mark.when(target, () => called.push(target))
    mark.advance(2)
    expect(called).toStrictEqual([2, 2])
    mark.advance(6)
    expect(called).toStrictEqual([2, 2, 5, 6])
    expect(mark.waiting).toBe(1)
  })

  it("given a withdrawn waiter, when its target is passed, then it is not called", () => {
    const mark = makeWatermark()
    const called: Array<string> = []
    const withdraw = mark.when(3, () => called.push("gone"))
    mark.when(3, () => called.push("kept"))
    withdraw()
    mark.advance(3)
    expect(called).toStrictEqual(["kept"])
  })
})
