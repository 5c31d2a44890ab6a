import { randomUUID } from "node:crypto"
import { Effect, Fiber, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inviteCustomer, wallet, walletHandler, type WalletCommand } from "@low/functions"
import { Executor } from "@low/core"
import { Views } from "@low/core"
import { Pg } from "./pool"
import { runProjections } from "./projection"
import { executorOnTestDatabase, type TestExecutor } from "./testing"
import { eventually } from "@low/testing"

let store: TestExecutor
beforeAll(async () => {
  store = await executorOnTestDatabase()
})
afterAll(() => store?.close())

const send = (command: WalletCommand) =>
  store.runtime.runPromise(
    Effect.flatMap(Executor, (executor) =>
      executor.run(walletHandler, command, { commandId: randomUUID(), at: new Date().toISOString(), freshId: randomUUID() })
    )
  )
const balance = (walletId: string) =>
  store.runtime
    .runPromise(Effect.flatMap(Views, (views) => views.doc("wallets", walletId)))
    .then(Option.match({ onNone: () => undefined, onSome: (doc) => doc["balance"] }))

describe("projections run from the event log", () => {
  it("given commands committed without inline projectors, when the projections run, then the read models catch up, and resume after a restart", async () => {
    const domains = {
      handlers: [...wallet.handlers, ...inviteCustomer.handlers],
      projectors: [...wallet.projectors, ...inviteCustomer.projectors]
    }
    await send({ _tag: "OpenWallet", walletId: "async-1", owner: "o" })
    for (let i = 0; i < 10; i++) await send({ _tag: "Credit", walletId: "async-1", amount: 10 })
    expect(await balance("async-1")).toBeUndefined()

    const start = () =>
      store.runtime.runFork(Effect.scoped(Effect.flatMap(Pg, (pg) => runProjections(pg, store.db.url, "async-test", domains))))
    const first = start()
    await eventually(async () => (await balance("async-1")) === 100)
    await store.runtime.runPromise(Fiber.interrupt(first))

    for (let i = 0; i < 5; i++) await send({ _tag: "Debit", walletId: "async-1", amount: 1 })
    const second = start()
    await eventually(async () => (await balance("async-1")) === 95)
    // Woken by NOTIFY while running, not only when it starts.
    await send({ _tag: "Debit", walletId: "async-1", amount: 5 })
    await eventually(async () => (await balance("async-1")) === 90)
    await store.runtime.runPromise(Fiber.interrupt(second))
    const items = await store.runtime.runPromise(
      Effect.flatMap(Views, (views) => views.items("wallet-transactions", "async-1", { first: 100 }))
    )
    expect(items.items.map((i) => i.order)).toEqual(Array.from({ length: 16 }, (_, i) => 17 - i))
  })
})
