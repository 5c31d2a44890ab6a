// The three ways the Postgres benchmark handles the same wallet commands.
import { randomUUID } from "node:crypto"
import { CommandHandler } from "@event-driven-io/emmett"
import { getPostgreSQLEventStore } from "@event-driven-io/emmett-postgresql"
import { Effect, Layer, ManagedRuntime } from "effect"
import pg from "pg"
import { wallet, walletHandler, type WalletCommand } from "@low/functions"
import { Executor } from "@low/core"
import { PostgresStore } from "@low/postgres"

/** A wallet command as the benchmark sends it: opens go first, then credits and debits. */
export type BenchCommand = WalletCommand

export interface Contender {
  readonly name: string
  readonly run: (command: BenchCommand) => Promise<void>
  readonly close: () => Promise<void>
}

/** This project's executor: lookup, operate, and the one-statement commit with inline projections. */
export const executorContender = async (url: string, connections: number): Promise<Contender> => {
  const runtime = ManagedRuntime.make(
    Executor.layer({ inlineProjectors: wallet.projectors }).pipe(
      Layer.provideMerge(PostgresStore.layer({ connectionString: url, max: connections }))
    )
  )
  const executor = await runtime.runPromise(Executor)
  return {
    name: "low executor (Postgres adapter)",
    run: (command) =>
      runtime.runPromise(
        Effect.asVoid(
          executor.run(walletHandler, command, {
            commandId: randomUUID(),
            at: new Date().toISOString(),
            freshId: randomUUID()
          })
        )
      ),
    close: () => runtime.dispose()
  }
}

/** The least a correct append does: read the state, then insert the version-checked event and move the state. */
export const rawSqlContender = async (url: string, connections: number): Promise<Contender> => {
  const pool = new pg.Pool({ connectionString: url, max: connections })
  pool.on("error", () => undefined)
  await pool.query(`
    create table if not exists raw_events (position bigint generated always as identity primary key,
      stream_id text not null, version integer not null, data jsonb not null, unique (stream_id, version));
    create table if not exists raw_states (stream_id text primary key, version integer not null, balance integer not null)`)
  const append = `with e as (insert into raw_events (stream_id, version, data) values ($1, $2, $3))
    insert into raw_states (stream_id, version, balance) values ($1, $2, $4)
    on conflict (stream_id) do update set version = excluded.version, balance = excluded.balance`
  const once = async (command: BenchCommand): Promise<void> => {
    const {
      rows: [state]
    } = await pool.query<{ version: number; balance: number }>({
      name: "raw_state",
      text: "select version, balance from raw_states where stream_id = $1",
      values: [command.walletId]
    })
    const version = state?.version ?? 0
    const balance =
      command._tag === "OpenWallet" ? 0 : (state?.balance ?? 0) + (command._tag === "Credit" ? command.amount : -command.amount)
    if (command._tag !== "OpenWallet" && (state === undefined || balance < 0)) return
    await pool.query({ name: "raw_append", text: append, values: [command.walletId, version + 1, JSON.stringify(command), balance] })
  }
  const run = (command: BenchCommand): Promise<void> =>
    once(command).catch((error: { code?: string }) => (error.code === "23505" ? run(command) : Promise.reject(error)))
  return { name: "raw SQL baseline", run, close: () => pool.end() }
}

type WalletEvent =
  | { type: "WalletOpened"; data: { owner: string } }
  | { type: "WalletCredited"; data: { amount: number; balanceAfter: number } }
  | { type: "WalletDebited"; data: { amount: number; balanceAfter: number } }

interface EmmettWallet {
  readonly opened: boolean
  readonly balance: number
}

/** Emmett's Postgres event store and command handler, deciding the same way. */
export const emmettContender = async (url: string): Promise<Contender> => {
  const store = getPostgreSQLEventStore(url)
  const handle = CommandHandler<EmmettWallet, WalletEvent>({
    initialState: () => ({ opened: false, balance: 0 }),
    evolve: (_state, event) =>
      event.type === "WalletOpened" ? { opened: true, balance: 0 } : { opened: true, balance: event.data.balanceAfter }
  })
  const decide =
    (command: BenchCommand) =>
    (state: EmmettWallet): Array<WalletEvent> => {
      if (command._tag === "OpenWallet") return state.opened ? [] : [{ type: "WalletOpened", data: { owner: command.owner } }]
      const balanceAfter = state.balance + (command._tag === "Credit" ? command.amount : -command.amount)
      if (!state.opened || balanceAfter < 0) return []
      return [{ type: command._tag === "Credit" ? "WalletCredited" : "WalletDebited", data: { amount: command.amount, balanceAfter } }]
    }
  return {
    name: "Emmett 0.42 (emmett-postgresql)",
    run: async (command) => void (await handle(store, `wallet-${command.walletId}`, decide(command), { retry: { onVersionConflict: 20 } })),
    close: () => store.close()
  }
}
