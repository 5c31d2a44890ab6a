import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inviteCustomer, wallet, walletHandler, inviteHandler, type WalletCommand } from "@low/functions"
import { Executor } from "../../executor"
import { Pg } from "./pool"
import { rebuildViews } from "./rebuild"
import { executorOnTestDatabase, type TestExecutor } from "./testing"

const handlers = [...wallet.handlers, ...inviteCustomer.handlers]
const projectors = [...wallet.projectors, ...inviteCustomer.projectors]

let store: TestExecutor
beforeAll(async () => {
  store = await executorOnTestDatabase({ inlineProjectors: projectors })
})
afterAll(() => store?.close())

/** A small deterministic generator, so a failing run can be replayed. */
const random = (seed: number) => () => {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0
  return seed / 2 ** 32
}

const envelope = () => ({ commandId: randomUUID(), at: new Date().toISOString(), freshId: randomUUID() })

/** Every document and item, in a fixed order. */
const readModels = Effect.flatMap(Pg, (pg) =>
  Effect.all([
    pg.query({ text: "select view, key, version, data from view_docs order by view, key" }),
    pg.query({ text: "select view, key, ord, data from view_items order by view, key, ord" })
  ])
).pipe(Effect.map(([docs, items]) => ({ docs: docs.rows, items: items.rows })))

describe("rebuilding the read models from the event log", () => {
  it("given 10,000 random commands over 100 wallets, when the read models are rebuilt, then they equal the live ones", { timeout: 180_000 }, async () => {
    const next = random(20_261_122)
    const wallets = Array.from({ length: 100 }, (_, i) => `rebuild-${i}`)
    const commands: Array<WalletCommand> = Array.from({ length: 10_000 }, () => {
      const walletId = wallets[Math.floor(next() * wallets.length)]!
      const amount = 1 + Math.floor(next() * 200)
      return next() < 0.6 ? { _tag: "Credit", walletId, amount } : { _tag: "Debit", walletId, amount }
    })
    const open = (walletId: string): WalletCommand => ({ _tag: "OpenWallet", walletId, owner: `owner of ${walletId}` })
    const run = Effect.flatMap(Executor, (executor) =>
      Effect.all([
        Effect.forEach(wallets, (id) => executor.run(walletHandler, open(id), envelope()), { concurrency: 16 }),
        Effect.forEach(commands, (command) => Effect.either(executor.run(walletHandler, command, envelope())), { concurrency: 16 }),
        Effect.forEach(
          Array.from({ length: 200 }, (_, i) => ({ _tag: "InviteCustomer" as const, email: `c${i % 150}@rebuild.example` })),
          (command) => Effect.either(executor.run(inviteHandler, command, envelope())),
          { concurrency: 16 }
        )
      ], { concurrency: 1 })
    )
    const [, outcomes, invites] = await store.runtime.runPromise(run)
    expect(outcomes.filter((o) => o._tag === "Right").length).toBeGreaterThan(3_000)
    expect(invites.filter((o) => o._tag === "Right").length).toBe(150)

    const live = await store.runtime.runPromise(readModels)
    expect(live.docs.length).toBe(100 + 300)
    // Damage the read models, so that only a real rebuild can bring them back.
    await store.runtime.runPromise(Effect.flatMap(Pg, (pg) => Effect.all([
      pg.query({ text: "update view_docs set data = '{}'::jsonb where key like 'rebuild-1%'" }),
      pg.query({ text: "delete from view_items where ord % 7 = 0" })
    ])))
    expect(await store.runtime.runPromise(readModels)).not.toEqual(live)

    const replayed = await store.runtime.runPromise(Effect.flatMap(Pg, (pg) => rebuildViews(pg, { handlers, projectors })))
    expect(replayed).toBeGreaterThan(3_000)
    expect(await store.runtime.runPromise(readModels)).toEqual(live)
  })

  it("given a wallet whose events were written by transactions with ids of fewer and more digits, when the read models are rebuilt, then they equal the live ones", async () => {
    const commands: ReadonlyArray<WalletCommand> = [
      { _tag: "OpenWallet", walletId: "digits", owner: "owner of digits" },
      { _tag: "Credit", walletId: "digits", amount: 5 },
      { _tag: "Credit", walletId: "digits", amount: 7 }
    ]
    await store.runtime.runPromise(Effect.flatMap(Executor, (executor) =>
      Effect.forEach(commands, (command) => executor.run(walletHandler, command, envelope()))))
    // Ids a long-lived database passes through: as text, 10 and 100 sort before 9, and the open would come last.
    await store.runtime.runPromise(Effect.flatMap(Pg, (pg) => pg.query({
      text: "update events set tx = (array['9', '10', '100'])[version]::xid8 where data->>'walletId' = 'digits'"
    })))
    const live = await store.runtime.runPromise(readModels)
    expect(live.docs).toContainEqual({ view: "wallets", key: "digits", version: 3, data: { id: "digits", owner: "owner of digits", balance: 12, version: 3 } })

    await store.runtime.runPromise(Effect.flatMap(Pg, (pg) => rebuildViews(pg, { handlers, projectors, batch: 1_000 })))
    expect(await store.runtime.runPromise(readModels)).toEqual(live)
  })
})
