import fc from "fast-check"
import { Either, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { StoredEvent } from "../protocol"
import type { WalletCommand } from "../wallet/commands"
import type { WalletEvent } from "../wallet/events"
import { operate } from "../wallet/handler"
import { fold, maxBalance, streamOf, type WalletState } from "../wallet/state"
import { transferStream } from "../wallet/transfers"
import { transferProcess } from "./process"
import { transferProjector, transfersView } from "./view"

/**
 * The wallet handler and the transfer's process manager with the shell's rules and nothing else: commands are
 * decided one at a time on the state their events folded, a commandId accepted on an entity is not applied again,
 * and the process manager's commands (named after the event that caused them) arrive late, in any order, and
 * sometimes twice.
 */
const makeWorld = () => {
  const streams = new Map<string, Array<StoredEvent<WalletEvent>>>()
  const states = new Map<string, { version: number; state: WalletState }>()
  const accepted = new Set<string>()
  const log: Array<StoredEvent<WalletEvent>> = []
  const pending: Array<{ readonly commandId: string; readonly command: WalletCommand }> = []
  const append = (stream: string, event: WalletEvent, commandId: string) => {
    const events = streams.get(stream) ?? []
    streams.set(stream, events)
    const stored = { id: `${stream}@${events.length + 1}`, stream, version: events.length + 1, event, commandId, at: `t${log.length}` }
    events.push(stored)
    log.push(stored)
    return stored
  }
  const react = (stored: StoredEvent<WalletEvent>) =>
    transferProcess.react(stored).forEach((command, i) => pending.push({ commandId: `${transferProcess.name}:${stored.id}:${i}`, command }))
  const run = (command: WalletCommand, commandId: string) => {
    const entity = command.walletId
    if (accepted.has(`${entity}/${commandId}`)) return "duplicate"
    const looked = states.get(streamOf(entity))
    const decided = operate(command, Option.fromNullable(looked))
    if (Either.isLeft(decided)) return decided.left._tag
    accepted.add(`${entity}/${commandId}`)
    for (const event of decided.right) {
      const stream = event._tag === "TransferDeclined" ? transferStream(event.transferId) : streamOf(entity)
      if (stream === streamOf(entity)) states.set(stream, { version: (looked?.version ?? 0) + 1, state: fold(looked?.state, [event])! })
      react(append(stream, event, commandId))
    }
    return "applied"
  }
  return { log, pending, run, states, react }
}

// "a" and "b" are opened first; "d" only when a command opens it, so transfers to it are declined until then.
const walletIds = ["a", "b", "d"] as const
const opened: ReadonlyArray<WalletCommand> = ["a", "b"].map((walletId) => ({ _tag: "OpenWallet", walletId, owner: "Ann" }))
// Small amounts go through; amounts of a billion reach the balance limit within three credits.
const amount = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 50 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000_000 }) },
  { weight: 3, arbitrary: fc.constant(1_000_000_000) }
)
const wallet = fc.constantFrom(...walletIds)
const clientCommand: fc.Arbitrary<WalletCommand> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("OpenWallet" as const), walletId: wallet, owner: fc.constant("Ann") }) },
  { weight: 4, arbitrary: fc.record({ _tag: fc.constant("Credit" as const), walletId: wallet, amount }) },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("Debit" as const), walletId: wallet, amount }) },
  {
    weight: 4,
    arbitrary: fc
      .record({ walletId: wallet, toWalletId: wallet, amount })
      .filter(({ walletId, toWalletId }) => walletId !== toWalletId)
      .map((c) => ({ _tag: "SendTransfer" as const, ...c, transferId: "" }))
  }
)

/** What to do next: the next client command, a pending step (by index), or an event delivered to the manager again. */
const move = fc.oneof(
  fc.constant({ _tag: "client" as const }),
  fc.nat().map((n) => ({ _tag: "step" as const, n })),
  fc.nat().map((n) => ({ _tag: "again" as const, n }))
)

describe("transfer properties", () => {
  it("given random interleavings of transfers, credits and debits, when every step has run, then money is conserved, no balance goes below 0 or over the limit, and every transfer ends once", () => {
    fc.assert(
      fc.property(fc.array(clientCommand, { maxLength: 40 }), fc.array(move, { maxLength: 160 }), (drawn, moves) => {
        const commands = [...opened, ...drawn]
        const world = makeWorld()
        let next = 0
        let credited = 0
        let debited = 0
        const client = () => {
          const command = commands[next]!
          const commandId = `client-${next++}`
          const sent = command._tag === "SendTransfer" ? { ...command, transferId: `t${next}` } : command
          if (world.run(sent, commandId) !== "applied") return
          if (command._tag === "Credit") credited += command.amount
          if (command._tag === "Debit") debited += command.amount
        }
        const step = (n: number) => {
          const [due] = world.pending.splice(n % world.pending.length, 1)
          expect(world.run(due!.command, due!.commandId)).toMatch(/applied|duplicate/)
        }
        for (const m of moves) {
          if (m._tag === "client" && next < commands.length) client()
          else if (m._tag === "step" && world.pending.length > 0) step(m.n)
          else if (m._tag === "again" && world.log.length > 0) world.react(world.log[m.n % world.log.length]!)
        }
        while (next < commands.length) client()
        while (world.pending.length > 0) step(0)

        const balances = [...world.states.values()].map(({ state }) => state)
        expect(balances.reduce((sum, s) => sum + s.balance, 0)).toBe(credited - debited)
        for (const s of balances) {
          expect(s.balance).toBeGreaterThanOrEqual(0)
          expect(s.balance).toBeLessThanOrEqual(maxBalance)
          expect(s.outgoing).toBe(0)
        }
        // Each transfer: one debit, then exactly one credit and its completion, or one decline and its refund.
        const byTransfer = new Map<string, Array<string>>()
        for (const { event } of world.log)
          if ("transferId" in event) byTransfer.set(event.transferId, [...(byTransfer.get(event.transferId) ?? []), event._tag])
        for (const steps of byTransfer.values())
          expect([
            ["TransferSent", "TransferReceived", "TransferCompleted"],
            ["TransferSent", "TransferDeclined", "TransferRefunded"]
          ]).toContainEqual(steps)
        // The transfer view ends every transfer, as the source recorded it.
        const views = new Map<string, Record<string, unknown>>()
        for (const stored of world.log)
          for (const change of transferProjector.project(stored))
            if (change.view === transfersView && change._tag !== "Add")
              views.set(change.key, change._tag === "Put" ? { ...change.doc } : { ...views.get(change.key), ...change.fields })
        for (const [id, steps] of byTransfer)
          expect(views.get(id)?.["status"]).toBe(steps.includes("TransferCompleted") ? "COMPLETED" : "FAILED")
      }),
      { numRuns: 1000 }
    )
  })
})
