import { Context, Effect, Layer, Schedule } from "effect"
import pg from "pg"
import { PortFailure } from "@low/functions"
import type { HealthCheck } from "@low/core"
import { poolMetrics } from "./pool-metrics"

/** How to reach Postgres and how long to wait for it. */
export interface PgOptions {
  readonly connectionString: string
  /** Connections in the pool (default 16). */
  readonly max?: number
  /** Longest wait for a connection, from the pool or a fresh one (default 5 s). */
  readonly connectionTimeoutMs?: number
  /** Longest a statement may run, enforced by the server and by the client (default 10 s). */
  readonly statementTimeoutMs?: number
  readonly applicationName?: string
}

/** The name failures and health checks report. */
export const dependency = "postgres"

/** SQLSTATE classes after which a connection cannot be trusted: connection failures, shutdowns, internal errors. */
const brokenStates = /^(08|57P|XX)/

/** Whether an error leaves the connection unusable: anything not answered by the server as a plain SQL error. */
const breaksConnection = (error: unknown): boolean => {
  if (!(error instanceof pg.DatabaseError)) return true
  return error.code === undefined || brokenStates.test(error.code)
}

/** The SQLSTATE of a failure, when the server answered one. */
export const sqlState = (failure: PortFailure): string | undefined =>
  failure.cause instanceof pg.DatabaseError ? failure.cause.code : undefined

/**
 * Runs `use` on a pooled connection. A connection is given back broken (`release(err)`) when the error says it
 * may be, so that the pool replaces it instead of handing a dead socket to the next caller.
 */
export const onClient = async <A>(pool: pg.Pool, use: (client: pg.PoolClient) => Promise<A>): Promise<A> => {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    return await use(client)
  } catch (error) {
    if (breaksConnection(error)) broken = error instanceof Error ? error : new Error(String(error))
    throw error
  } finally {
    client.release(broken)
  }
}

const failure = (cause: unknown) => new PortFailure({ dependency, cause })

/** A pool of connections with every failure typed as a PortFailure. */
export interface PgClient {
  readonly pool: pg.Pool
  readonly query: <R extends pg.QueryResultRow = pg.QueryResultRow>(query: pg.QueryConfig) => Effect.Effect<pg.QueryResult<R>, PortFailure>
  /** Runs `use` on one connection (a transaction, LISTEN); the connection is released whatever happens. */
  readonly withClient: <A>(use: (client: pg.PoolClient) => Promise<A>) => Effect.Effect<A, PortFailure>
  /**
   * `select 1` on a connection of its own, outside the pool: whether Postgres answers, even while every pooled
   * connection is busy (a health check that waited in the pool's queue would fail for the pool's load, not for the
   * database).
   */
  readonly ping: Effect.Effect<void, PortFailure>
}

/** Opens a pool that survives restarts: dead connections are dropped, errors are logged, never thrown. */
export const makePool = (options: PgOptions): pg.Pool => {
  const statementTimeout = options.statementTimeoutMs ?? 10_000
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 16,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeout,
    // The client gives up a little after the server would, in case the server no longer answers at all.
    query_timeout: statementTimeout + 2_000,
    idle_in_transaction_session_timeout: statementTimeout * 3,
    keepAlive: true,
    application_name: options.applicationName ?? "low"
  })
  // An idle connection killed by the server emits here; the pool has already dropped it.
  pool.on("error", (error) => Effect.runFork(Effect.logWarning("postgres idle connection lost", { error: error.message })))
  // A connection killed while checked out between two queries would otherwise throw an unhandled 'error'.
  pool.on("connect", (client) => client.on("error", () => undefined))
  return pool
}

const client = (pool: pg.Pool, pingPool: pg.Pool): PgClient => ({
  pool,
  query: <R extends pg.QueryResultRow>(query: pg.QueryConfig) =>
    Effect.tryPromise({ try: () => onClient(pool, (c) => c.query<R>(query)), catch: failure }),
  withClient: (use) => Effect.tryPromise({ try: () => onClient(pool, use), catch: failure }),
  ping: Effect.asVoid(Effect.tryPromise({ try: () => onClient(pingPool, (c) => c.query("select 1")), catch: failure }))
})

/** The pool `ping` uses: one connection, kept apart from the work, quick to give up. */
const makePingPool = (options: PgOptions) =>
  makePool({
    ...options,
    max: 1,
    connectionTimeoutMs: 2_000,
    statementTimeoutMs: 2_000,
    applicationName: `${options.applicationName ?? "low"} health`
  })

/**
 * Settings under which Postgres may lose commits it acknowledged, or worse, when it or its machine crashes: each
 * with what it risks. Found at the start, and logged as a warning, since every guarantee here rests on a commit that
 * was answered being there after a crash.
 */
const unsafeSettings = (settings: { readonly fsync: string; readonly synchronous_commit: string }) => [
  ...(settings.fsync === "off" ? ["fsync is off: a crash of the machine can corrupt the database"] : []),
  ...(settings.synchronous_commit === "off" ? ["synchronous_commit is off: a crash can lose the last commits it acknowledged"] : [])
]

const warnIfUnsafe = (pg: PgClient) =>
  pg
    .query<{ fsync: string; synchronous_commit: string }>({
      text: "select current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit"
    })
    .pipe(
      Effect.flatMap(({ rows: [settings] }) => {
        const risks = settings === undefined ? [] : unsafeSettings(settings)
        return risks.length === 0 ? Effect.void : Effect.logWarning("postgres is not durable", { risks })
      }),
      // A warning only: a start never stops for want of it.
      Effect.catchAll((failure) => Effect.logWarning("could not read postgres' durability settings", { cause: String(failure.cause) }))
    )

/** The pool the Postgres adapters share. */
export class Pg extends Context.Tag("low/postgres/Pg")<Pg, PgClient>() {
  /** A pool for as long as the layer lives, checked to answer (retried while Postgres starts). */
  static readonly layer = (options: PgOptions) =>
    Layer.scoped(
      Pg,
      Effect.acquireRelease(
        Effect.sync(() => [makePool(options), makePingPool(options)] as const),
        (pools) => Effect.promise(() => Promise.all(pools.map((pool) => pool.end().catch(() => undefined))))
      ).pipe(
        Effect.map(([pool, pingPool]) => client(pool, pingPool)),
        Effect.tap(({ pool }) => poolMetrics(pool)),
        Effect.tap((pg) =>
          pg.query({ text: "select 1" }).pipe(
            Effect.tapError((e) => Effect.logWarning("waiting for postgres", { error: String(e.cause) })),
            Effect.retry(Schedule.spaced("500 millis").pipe(Schedule.intersect(Schedule.recurs(60))))
          )
        ),
        Effect.tap(warnIfUnsafe)
      )
    )
}

/** `/healthz`'s check of the database. */
export const postgresHealth = (pg: PgClient): HealthCheck => ({ name: dependency, check: pg.ping })
