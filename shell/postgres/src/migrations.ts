import { type Duration, Effect, Schedule } from "effect"
import type { PortFailure } from "@low/functions"
import type { QueryConfig } from "pg"
import { type PgClient, sqlState } from "./pool"
import { applyDocsFunction } from "./view-rows"

/** A schema change, applied once per database, in order of version. Never edit one that has shipped. */
interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "event log, entity states, unique keys, accepted commands, views, subscriptions",
    sql: `
      create table events (
        -- Unique by its identity; commit order is (tx, position), which the index below serves.
        position bigint generated always as identity,
        -- The writing transaction: subscriptions read only below the oldest one still running, so an event
        -- whose transaction commits late is never skipped.
        tx xid8 not null default pg_current_xact_id(),
        stream_id text not null,
        version integer not null,
        command_id text not null,
        -- Index of the event within its command's append to this stream.
        seq integer not null,
        type text not null,
        data jsonb not null,
        metadata jsonb not null,
        constraint events_stream_version primary key (stream_id, version),
        constraint events_stream_command unique (stream_id, command_id, seq)
      );
      create index events_tx_position on events (tx, position);

      -- Rows updated in place on every command leave room on their page, so that updates stay HOT.
      create table entity_states (stream_id text primary key, version integer not null, state jsonb not null)
        with (fillfactor = 80);

      create table unique_keys (
        index_name text not null, key text not null, owner text not null,
        primary key (index_name, key)
      );

      create table accepted_commands (
        entity text not null, command_id text not null, fingerprint text not null, accepted_at timestamptz not null,
        primary key (entity, command_id)
      );

      create table view_docs (
        view text not null, key text not null, version integer not null, data jsonb not null,
        primary key (view, key)
      ) with (fillfactor = 80);
      create table view_items (
        view text not null, key text not null, ord integer not null, data jsonb not null,
        primary key (view, key, ord)
      );

      create table subscriptions (name text primary key, tx xid8 not null, position bigint not null);

      -- Breaks the statement as a unique violation does, for checks a constraint cannot express; returns the
      -- type of its second argument, so it fits in a CASE.
      create function low_conflict(reason text, model anyelement) returns anyelement language plpgsql as $$
      begin
        raise exception '%', reason using errcode = 'unique_violation';
      end $$;
      ${applyDocsFunction}
    `
  },
  {
    version: 2,
    name: "commandIds are scoped per entity, not per stream",
    // A commandId is unique per entity (accepted_commands' key); two entities may append to one stream with the
    // same commandId, which this constraint refused. The (stream_id, version) key keeps events unique.
    sql: "alter table events drop constraint events_stream_command"
  }
]

// Any fixed number: every instance of every project takes the same lock before migrating.
const migrationLock = 7_431_106_524

/** SQLSTATE lock_not_available: a wait for a lock ran past `lock_timeout`. */
const lockNotAvailable = "55P03"

export interface MigrateOptions {
  /**
   * How long an instance waits for another to finish migrating before it gives up (default 10 minutes). It asks for
   * the lock a second at a time, so that no single wait runs into the statement timeout.
   */
  readonly waitAtMost?: Duration.DurationInput
}

/**
 * The longest a migration's statement may run: a migration of a large table may take far longer than a request's
 * statement is allowed (the server's statement timeout is lifted for the transaction; this is the client's).
 */
const migrationStatementMs = 60 * 60 * 1000

/** One try: the lock within a second, then every pending migration, in one transaction. */
const migrateOnce = (pg: PgClient) =>
  pg.withClient(async (client) => {
    const run = (text: string, values?: Array<unknown>) =>
      client.query({ text, values, query_timeout: migrationStatementMs } as QueryConfig)
    await client.query("begin")
    try {
      await client.query("set local statement_timeout = 0")
      await client.query("set local lock_timeout = '1s'")
      await client.query("select pg_advisory_xact_lock($1)", [migrationLock])
      // Only the wait for the migration lock is cut short: a migration waits for the table locks it needs.
      await client.query("set local lock_timeout = 0")
      await run(
        "create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())"
      )
      const done = await client.query<{ version: number }>("select version from schema_migrations")
      const applied = new Set(done.rows.map((r) => r.version))
      const pending = migrations.filter((m) => !applied.has(m.version))
      for (const m of pending) {
        await run(m.sql)
        await client.query("insert into schema_migrations (version, name) values ($1, $2)", [m.version, m.name])
      }
      await client.query("commit")
      return pending.map((m) => m.version)
    } catch (error) {
      await client.query("rollback").catch(() => undefined)
      throw error
    }
  })

/**
 * Brings the schema up to date in one transaction under an advisory lock, so that instances starting together
 * migrate once and none serves before the schema is there. An instance that finds the lock taken waits for it,
 * saying so every 10 s, for as long as `waitAtMost`.
 */
export const migrate = (pg: PgClient, { waitAtMost = "10 minutes" }: MigrateOptions = {}) =>
  Effect.suspend(() => {
    let tries = 0
    const lockTaken = (failure: PortFailure) =>
      sqlState(failure) !== lockNotAvailable
        ? Effect.succeed(false)
        : Effect.as(
            ++tries % 10 === 1
              ? Effect.logInfo("waiting for another instance to finish migrating postgres", { waitedSeconds: tries - 1 })
              : Effect.void,
            true
          )
    return Effect.retry(migrateOnce(pg), { while: lockTaken, schedule: Schedule.forever.pipe(Schedule.upTo(waitAtMost)) })
  }).pipe(Effect.tap((applied) => (applied.length > 0 ? Effect.logInfo("postgres schema migrated", { applied }) : Effect.void)))
