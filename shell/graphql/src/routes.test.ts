import { Effect, Layer, Option } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { CommandBus, Views } from "@low/core"
import { wallet } from "@low/functions"
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

  it("given a commandId that breaks the id rule, when routed, then refused before anything runs, naming no commandId to retry with", () => {
    const routed = routeMutation(openWallet, { owner: "Ada", commandId: "no spaces" })
    expect(routed.commandId).toBeUndefined()
  })
})
