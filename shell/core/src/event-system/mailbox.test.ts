import { Effect, Fiber, Option } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { makeMailbox } from "./mailbox"

describe("mailbox", () => {
  it.effect("given items offered, when taking, then they come in order, at most `max` at a time", () =>
    Effect.gen(function* () {
      const mailbox = makeMailbox<number>()
      for (const n of [1, 2, 3, 4, 5]) mailbox.offer(n)
      expect(yield* mailbox.take(2)).toStrictEqual([1, 2])
      expect(yield* mailbox.take(10)).toStrictEqual([3, 4, 5])
    })
  )

  it.effect("given an empty mailbox, when taking, then it waits for an offer, and gets everything offered before it runs", () =>
    Effect.gen(function* () {
      const mailbox = makeMailbox<string>()
      const taking = yield* Effect.fork(mailbox.take(10))
      yield* Effect.yieldNow()
      expect(yield* Fiber.poll(taking)).toStrictEqual(Option.none())
      mailbox.offer("a")
      mailbox.offer("b")
      expect(yield* Fiber.join(taking)).toStrictEqual(["a", "b"])
    })
  )

  it.effect("given a taker that was interrupted while waiting, when items are offered, then the next take gets them all", () =>
    Effect.gen(function* () {
      const mailbox = makeMailbox<string>()
      const gone = yield* Effect.fork(mailbox.take(10))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(gone)
      mailbox.offer("a")
      mailbox.offer("b")
      expect(yield* mailbox.take(10)).toStrictEqual(["a", "b"])
    })
  )
})
