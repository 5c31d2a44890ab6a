import { Cause, Effect, Exit, Fiber, Layer, Option } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { CommandBus, Views } from "@low/core"
import { transfer, wallet } from "@low/functions"
import { makeDocWatch } from "@low/core"
import { routeMutation } from "./routes"

const openWallet = wallet.api.mutations!["openWallet"]!

/** A deployment that accepts every command, remembering what it was sent, and finds every view. */
const accepting = (sent: Array<{ command: unknown; commandId: string }>) =>
  Layer.mergeAll(
    Layer.succeed(
      CommandBus,
      CommandBus.of({
        send: (_handler, command, envelope) =>
          Effect.sync(() => {
            sent.push({ command, commandId: envelope.commandId })
            return { _tag: "Duplicate" } as const
          })
      })
    ),
    Layer.succeed(Views, Views.of({ doc: () => Effect.succeed(Option.some({})), items: () => Effect.die("no items") }))
  )

describe("routeMutation", () => {
  it.effect(
    "given openWallet without an id or a commandId, when its answer's commandId is sent again, then the same wallet id, so a retry opens nothing new",
    () =>
      Effect.gen(function* () {
        const sent: Array<{ command: unknown; commandId: string }> = []
        const first = routeMutation(openWallet, { owner: "Ada" })
        yield* first.effect.pipe(Effect.provide(accepting(sent)))
        expect(first.commandId).toEqual(expect.any(String))
        const retry = routeMutation(openWallet, { owner: "Ada", commandId: first.commandId })
        yield* retry.effect.pipe(Effect.provide(accepting(sent)))
        expect(retry.commandId).toBe(first.commandId)
        expect(sent.map((s) => s.commandId)).toEqual([first.commandId, first.commandId])
        expect(sent[1]!.command).toStrictEqual(sent[0]!.command)
      })
  )

  it.effect("given two openWallets without ids or commandIds, when routed, then two different wallet ids", () =>
    Effect.gen(function* () {
      const sent: Array<{ command: unknown; commandId: string }> = []
      yield* routeMutation(openWallet, { owner: "Ada" }).effect.pipe(Effect.provide(accepting(sent)))
      yield* routeMutation(openWallet, { owner: "Ada" }).effect.pipe(Effect.provide(accepting(sent)))
      const [a, b] = sent.map((s) => (s.command as { walletId: string }).walletId)
      expect(a).not.toBe(b)
    })
  )

  it.effect(
    "given a command accepted whose document is missing, when routed, then UNAVAILABLE naming the commandId where the read side may lose documents, else a defect",
    () =>
      Effect.gen(function* () {
        for (const losesDocuments of [true, false]) {
          const lost = Layer.mergeAll(
            Layer.succeed(CommandBus, CommandBus.of({ send: () => Effect.succeed({ _tag: "Duplicate" } as const) })),
            Layer.succeed(Views, Views.of({ doc: () => Effect.succeedNone, items: () => Effect.die("no items"), losesDocuments }))
          )
          const routed = routeMutation(openWallet, { owner: "Ada", commandId: "open-1" })
          const exit = yield* Effect.exit(routed.effect.pipe(Effect.provide(lost)))
          expect(routed.commandId).toBe("open-1")
          if (losesDocuments)
            expect(Exit.isFailure(exit) && [...Cause.failures(exit.cause)]).toStrictEqual([
              expect.objectContaining({ _tag: "Unavailable" })
            ])
          else expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
        }
      })
  )

  it("given a commandId that breaks the id rule, when routed, then refused before anything runs, naming no commandId to retry with", () => {
    const routed = routeMutation(openWallet, { owner: "Ada", commandId: "no spaces" })
    expect(routed.commandId).toBeUndefined()
  })

  describe("a mutation that starts a saga", () => {
    const transferring = transfer.api.mutations!["transfer"]!
    const args = { fromWalletId: "a", toWalletId: "b", amount: 5, commandId: "move-1" }
    const pending = { id: "t", fromWalletId: "a", toWalletId: "b", status: "PENDING", endedVersion: null, credited: null }

    /**
     * A deployment whose transfer stays PENDING for `pendingReads` reads (or until `end` is called), then COMPLETED
     * with both wallets there.
     */
    const sagaOf = (pendingReads: number, watch?: ReturnType<typeof makeDocWatch>) => {
      let reads = 0
      let walletReads = 0
      let ended = false
      let read = { view: "", key: "" }
      // Each read takes a round trip, as a store's does.
      const doc = (view: string, key: string) =>
        Effect.zipRight(
          Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1))),
          Effect.sync(() => {
            if (view === "wallets") {
              walletReads++
              return Option.some({ version: 9 })
            }
            read = { view, key }
            reads++
            ended ||= reads > pendingReads
            return Option.some(ended ? { ...pending, status: "COMPLETED", endedVersion: 3, credited: 4 } : pending)
          })
        )
      return {
        reads: () => reads,
        walletReads: () => walletReads,
        end: () => {
          ended = true
          watch?.changed(read.view, read.key)
        },
        layer: Layer.mergeAll(
          Layer.succeed(CommandBus, CommandBus.of({ send: () => Effect.succeed({ _tag: "Duplicate" } as const) })),
          Layer.succeed(
            Views,
            Views.of({ doc, items: () => Effect.die("no items"), ...(watch === undefined ? {} : { onChange: watch.onChange }) })
          )
        )
      }
    }

    // Live: the waits between reads are real time.
    it.live("given a store that tells no change, when the saga ends after a few reads, then it answers the ended transfer", () =>
      Effect.gen(function* () {
        const saga = sagaOf(3)
        const answer = yield* routeMutation(transferring, args).effect.pipe(Effect.provide(saga.layer))
        expect(answer).toMatchObject({ status: "COMPLETED" })
        expect(saga.reads()).toBe(4)
        expect(saga.walletReads()).toBe(2)
      })
    )

    it.live("given a store that tells changes, when the saga ends, then it is read again at once, and not in between", () =>
      Effect.gen(function* () {
        const watch = makeDocWatch()
        const saga = sagaOf(Number.POSITIVE_INFINITY, watch)
        const answering = yield* Effect.fork(routeMutation(transferring, args).effect.pipe(Effect.provide(saga.layer)))
        // The first read found it PENDING; the next waits for a change (or 100 ms, well past this test's waits).
        while (saga.reads() === 0) yield* Effect.sleep(1)
        expect(watch.waiting()).toBe(true)
        saga.end()
        const answer = yield* Fiber.join(answering).pipe(Effect.timeout(50))
        expect(answer).toMatchObject({ status: "COMPLETED" })
        expect(saga.reads()).toBe(2)
        expect(watch.waiting()).toBe(false)
      })
    )

    it.live("given projectors that run in the commit, when the saga ends, then the wallets are not read: they show it already", () =>
      Effect.gen(function* () {
        const saga = sagaOf(1)
        const answer = yield* routeMutation(transferring, args, { projectedInCommit: true }).effect.pipe(Effect.provide(saga.layer))
        expect(answer).toMatchObject({ status: "COMPLETED" })
        expect(saga.walletReads()).toBe(0)
      })
    )

    it.live("given a saga that does not end in time, when it is waited for, then TIMEOUT naming the commandId, not an internal error", () =>
      Effect.gen(function* () {
        for (const watch of [undefined, makeDocWatch()]) {
          const saga = sagaOf(Number.POSITIVE_INFINITY, watch)
          const exit = yield* Effect.exit(routeMutation(transferring, args, { settleWithinMs: 50 }).effect.pipe(Effect.provide(saga.layer)))
          expect(Exit.isFailure(exit) && Cause.failures(exit.cause).pipe((f) => [...f])).toStrictEqual([
            expect.objectContaining({ _tag: "Timeout", commandId: "move-1" })
          ])
          expect(saga.reads()).toBeGreaterThanOrEqual(watch === undefined ? 2 : 1)
          // The wait's interest in the document was withdrawn with it.
          expect(watch?.waiting() ?? false).toBe(false)
        }
      })
    )
  })
})
