import { randomBytes } from "node:crypto"
import { Layer, ManagedRuntime } from "effect"
import pg from "pg"
import { Executor, type ExecutorOptions } from "@low/core"
import { Pg } from "./pool"
import { PostgresStore } from "./store"

/** The server tests run against: DATABASE_URL, or the local default. */
export const serverUrl = process.env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

/** A database made for one test run, so runs never see each other's data. */
export interface TestDatabase {
  readonly name: string
  readonly url: string
  /** Drops the database, closing whatever connections are still open to it. */
  readonly drop: () => Promise<void>
  /** Kills every open connection to the database, as a restart of Postgres would. */
  readonly killConnections: () => Promise<void>
  /** Refuses (or again accepts) new connections: with killConnections, Postgres is gone for its clients. */
  readonly allowConnections: (allowed: boolean) => Promise<void>
}

const admin = async <A>(use: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 })
  client.on("error", () => undefined)
  try {
    await client.connect()
  } catch (error) {
    // Never a skip: a test that needs Postgres fails when there is none.
    throw new Error(`Postgres is needed at ${serverUrl} (set DATABASE_URL): ${String(error)}`)
  }
  try {
    return await use(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Creates `low_test_<random>` on the test server. */
export const createTestDatabase = async (): Promise<TestDatabase> => {
  const name = `low_test_${randomBytes(6).toString("hex")}`
  await admin((c) => c.query(`create database ${name}`))
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
    killConnections: () =>
      admin((c) => c.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1", [name])).then(() => undefined),
    allowConnections: (allowed) => admin((c) => c.query(`alter database ${name} allow_connections ${allowed}`)).then(() => undefined)
  }
}

/** An Executor on the Postgres store of a fresh test database, for tests that run commands without a server. */
export const executorOnTestDatabase = async (options: ExecutorOptions = {}) => {
  const db = await createTestDatabase()
  const runtime = ManagedRuntime.make(Executor.layer(options).pipe(Layer.provideMerge(PostgresStore.layer({ connectionString: db.url }))))
  await runtime.runPromise(Pg)
  return {
    db,
    runtime,
    close: async () => {
      await runtime.dispose()
      await db.drop()
    }
  }
}

export type TestExecutor = Awaited<ReturnType<typeof executorOnTestDatabase>>
