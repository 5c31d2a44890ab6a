import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Inputs, transfer } from "@low/functions"
import { commandIdCausedBy, dispatcherOf, partsOf } from "./process-manager"

describe("process managers' commands", () => {
  it("given one event delivered twice, when dispatched, then the same commands with the same commandIds", () => {
    const { handlers, processManagers } = partsOf([transfer])
    const { dispatch } = dispatcherOf(processManagers[0]!, handlers)
    const sent = {
      id: "wallet-a@3",
      stream: "wallet-a",
      version: 3,
      event: { _tag: "TransferSent", walletId: "a", transferId: "t1", toWalletId: "b", amount: 5, balanceAfter: 0 },
      commandId: "c",
      at: "2026-01-01T00:00:00.000Z"
    }
    const first = dispatch(sent)
    expect(first).toHaveLength(1)
    expect(dispatch(sent)).toStrictEqual(first)
    expect(first[0]!.handler.reads).toBe("wallet-commands")
  })

  it("given a derived commandId, when a client sends it, then the id rule refuses it: no client can take a step's commandId first", () => {
    const derived = commandIdCausedBy("transfer", "transfer-t1@1", 0)
    expect(Either.isLeft(Schema.decodeUnknownEither(Inputs.Id)(derived))).toBe(true)
    expect(commandIdCausedBy("transfer", "transfer-t1@1", 1)).not.toBe(derived)
    expect(commandIdCausedBy("transfer", "transfer-t2@1", 0)).not.toBe(derived)
  })

  it("given a process manager reading or writing a channel no handler has, when wired, then it fails at once, naming it", () => {
    const { handlers } = partsOf([transfer])
    expect(() => dispatcherOf({ name: "lost", reads: "x-events", writes: "wallet-commands", react: () => [] }, handlers)).toThrow(
      /lost reads x-events/
    )
    expect(() => dispatcherOf({ name: "lost", reads: "wallet-events", writes: "nowhere", react: () => [] }, handlers)).toThrow(
      /lost writes nowhere/
    )
  })
})
