import { runInNewContext } from "node:vm"
import { setFlagsFromString } from "node:v8"
import { Deferred, Effect, Exit, Fiber, Option, Scheduler } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { makeKeyedLock } from "./keyed-lock"

/** Work that records when it starts and runs until its gate opens. */
const gated = (log: Array<string>, name: string) =>
  Effect.map(Deferred.make<void>(), (gate) => ({
    gate,
    work: Effect.sync(() => log.push(`${name} start`)).pipe(
      Effect.zipRight(Deferred.await(gate)),
      Effect.zipRight(Effect.sync(() => log.push(`${name} end`)))
    )
  }))

/** Lets every runnable fiber run until it blocks. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("keyed lock", () => {
  it.effect(
    "given work holding a key, when more work on that key arrives, then it waits, and runs in arrival order once the key is free",
    () =>
      Effect.gen(function* () {
        const withLock = makeKeyedLock()
        const log: Array<string> = []
        const [a, b, c] = yield* Effect.all([gated(log, "a"), gated(log, "b"), gated(log, "c")])
        const fibers = yield* Effect.forEach([a, b, c], ({ work }) => Effect.fork(withLock("k", work)))
        yield* settle
        expect(log).toStrictEqual(["a start"])
        yield* Deferred.succeed(a.gate, undefined)
        yield* settle
        expect(log).toStrictEqual(["a start", "a end", "b start"])
        yield* Deferred.succeed(c.gate, undefined)
        yield* settle
        expect(log).toStrictEqual(["a start", "a end", "b start"])
        yield* Deferred.succeed(b.gate, undefined)
        yield* Fiber.joinAll(fibers)
        expect(log).toStrictEqual(["a start", "a end", "b start", "b end", "c start", "c end"])
      })
  )

  it.effect(
    "given callers that cannot be interrupted, when they contend for a key, then they run one at a time in arrival order and free it",
    () =>
      Effect.gen(function* () {
        const withLock = makeKeyedLock()
        const log: Array<string> = []
        const [a, b] = yield* Effect.all([gated(log, "a"), gated(log, "b")])
        const fibers = yield* Effect.forEach([a, b], ({ work }) => Effect.fork(Effect.uninterruptible(withLock("k", work))))
        yield* settle
        expect(log).toStrictEqual(["a start"])
        yield* Deferred.succeed(b.gate, undefined)
        yield* settle
        expect(log).toStrictEqual(["a start"])
        yield* Deferred.succeed(a.gate, undefined)
        yield* Fiber.joinAll(fibers)
        expect(log).toStrictEqual(["a start", "a end", "b start", "b end"])
        expect(yield* withLock("k", Effect.succeed("free"))).toBe("free")
      })
  )

  it.effect("given work holding one key, when work on other keys arrives, then it runs at once", () =>
    Effect.gen(function* () {
      const withLock = makeKeyedLock()
      const log: Array<string> = []
      const a = yield* gated(log, "a")
      const holder = yield* Effect.fork(withLock("k1", a.work))
      yield* settle
      yield* withLock(
        "k2",
        Effect.sync(() => log.push("k2"))
      )
      yield* withLock(
        "k3",
        Effect.sync(() => log.push("k3"))
      )
      expect(log).toStrictEqual(["a start", "k2", "k3"])
      yield* Deferred.succeed(a.gate, undefined)
      yield* Fiber.join(holder)
    })
  )

  it.effect("given work on a key that fails, dies or is interrupted, when it ends, then the next work on that key runs", () =>
    Effect.gen(function* () {
      const withLock = makeKeyedLock()
      expect(yield* Effect.flip(withLock("k", Effect.fail("boom")))).toBe("boom")
      yield* Effect.exit(withLock("k", Effect.die("defect")))
      const log: Array<string> = []
      const a = yield* gated(log, "a")
      const holder = yield* Effect.fork(withLock("k", a.work))
      yield* settle
      yield* Fiber.interrupt(holder)
      expect(yield* withLock("k", Effect.succeed("free"))).toBe("free")
    })
  )

  it.effect("given work waiting for a key, when it is interrupted, then it never runs and the work behind it still gets the key", () =>
    Effect.gen(function* () {
      const withLock = makeKeyedLock()
      const log: Array<string> = []
      const [a, b] = yield* Effect.all([gated(log, "a"), gated(log, "b")])
      const holder = yield* Effect.fork(withLock("k", a.work))
      const waiter = yield* Effect.fork(withLock("k", b.work))
      const last = yield* Effect.fork(
        withLock(
          "k",
          Effect.sync(() => log.push("c"))
        )
      )
      yield* settle
      yield* Fiber.interrupt(waiter)
      yield* Deferred.succeed(a.gate, undefined)
      yield* Fiber.join(holder)
      yield* Fiber.join(last)
      expect(log).toStrictEqual(["a start", "a end", "c"])
      expect(yield* Fiber.poll(waiter)).not.toStrictEqual(Option.none())
    })
  )

  it.effect("given a caller interrupted between any two of its steps, when it ends, then the key is free for the next", () =>
    Effect.gen(function* () {
      for (const contended of [false, true])
        for (let step = 1; step <= 30; step++) {
          // A scheduler that makes the fiber give way once, after its `step`-th operation, where the interruption lands.
          let operations = 0
          const givesWayOnce = Scheduler.make(
            (task, priority) => Scheduler.defaultScheduler.scheduleTask(task, priority),
            () => (++operations === step ? 0 : false)
          )
          const withLock = makeKeyedLock()
          // Alone on the key, or queued behind a holder that lets go while the caller is being interrupted.
          const first = contended ? yield* Effect.fork(withLock("k", Effect.yieldNow())) : undefined
          const caller = yield* Effect.fork(Effect.withScheduler(withLock("k", Effect.never), givesWayOnce))
          yield* Effect.yieldNow()
          yield* Fiber.interrupt(caller)
          if (first !== undefined) yield* Fiber.join(first)
          const next = yield* Effect.fork(withLock("k", Effect.succeed(step)))
          yield* settle
          expect(yield* Fiber.poll(next), `${contended ? "queued, " : ""}interrupted after ${step} operations`).toStrictEqual(
            Option.some(Exit.succeed(step))
          )
        }
    })
  )

  it.effect("given many keys used once each, when all are done, then the lock holds no memory for them", () =>
    Effect.gen(function* () {
      setFlagsFromString("--expose-gc")
      const gc = runInNewContext("gc") as () => void
      const withLock = makeKeyedLock()
      const heap = () => (gc(), gc(), process.memoryUsage().heapUsed)
      // Long flat keys make a leak of one entry per key plain to see: 3 000 keys of 2 000 bytes are 6 MB at least.
      const key = (name: string) => Buffer.alloc(2_000, name).toString("latin1")
      const before = heap()
      for (let i = 0; i < 3_000; i++) yield* withLock(key(`k${i}`), Effect.void)
      // Contended keys too: a second user queued behind the first.
      for (let i = 0; i < 100; i++) {
        const k = key(`c${i}`)
        yield* Effect.all([withLock(k, Effect.yieldNow()), withLock(k, Effect.void)], { concurrency: 2 })
      }
      const grown = heap() - before
      expect(grown).toBeLessThan(2_000_000)
    })
  )
})
