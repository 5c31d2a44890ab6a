import { Effect } from "effect"
import type { PortFailure } from "@low/functions"
import { WriteConflict } from "@low/core"
import { eventEncoderOf, eventsOf, type Commit, type Committed } from "@low/core"
import { encodedBy } from "@low/core"
import { sqlState, type PgClient } from "./pool"
import { viewCtes, viewRows, viewSets } from "./view-rows"

/**
 * One command's whole write as ONE statement, so one round trip and one atomic transaction (autocommit): the
 * accepted commandId, and of the events, the entity states, the unique keys and the inline projections, those
 * the command has. Each shape of commit is its own named prepared statement, so the database plans and runs only
 * the parts a command uses.
 * Integrity is the database's: a stale expectedVersion breaks UNIQUE (stream_id, version), one ahead of the
 * stream finds no previous event, an append of no events finds the stream at another version, a reused commandId
 * breaks the accepted_commands key, a key held by another owner raises on its upsert; states only move forward.
 */
const accepted = `
  accepted as (
    insert into accepted_commands (entity, command_id, fingerprint, accepted_at) values ($1, $2, $3, $4::timestamptz)
  )`

/** The CTE of each part a commit may have, given its parameters' placeholders. */
const parts = {
  events: (metadata: string, events: string) => `
  appended as (
    insert into events (stream_id, version, command_id, seq, type, data, metadata)
    select e.stream,
      -- (the outer-only "e.version > 1" keeps the planner from hashing the whole events table for this check)
      case when e.seq > 0 or e.version = 1
        or exists (select from events p where p.stream_id = e.stream and p.version = e.version - 1 and e.version > 1)
        then e.version else low_conflict(e.stream || ' is not at version ' || (e.version - 1), 0) end,
      $2, e.seq, e.data->>'_tag', e.data, ${metadata}::jsonb
    from jsonb_to_recordset(${events}::jsonb) as e(stream text, version integer, seq integer, data jsonb)
    returning position, stream_id, version
  )`,
  states: (states: string) => `
  saved as (
    insert into entity_states (stream_id, version, state)
    select s.stream, s.version, s.state from jsonb_to_recordset(${states}::jsonb) as s(stream text, version integer, state jsonb)
    on conflict (stream_id) do update set version = excluded.version, state = excluded.state
    where entity_states.version < excluded.version
  )`,
  claims: (claims: string) => `
  claimed as (
    insert into unique_keys (index_name, key, owner)
    select c.index, c.key, c.owner from jsonb_to_recordset(${claims}::jsonb) as c(index text, key text, owner text)
    on conflict (index_name, key) do update set owner = case when unique_keys.owner = excluded.owner
      then excluded.owner else low_conflict(excluded.index_name || ' ' || excluded.key || ' is held by another owner', ''::text) end
  )`,
  ...viewCtes,
  /** Appends of no events, which insert nothing to collide: a plain select, so it runs only when read. */
  empty: (appends: string) => `
  checked as (
    select count(case when coalesce((select max(p.version) from events p where p.stream_id = x.stream), 0) <> x.version
      then low_conflict(x.stream || ' is not at version ' || x.version, 0) end) as n
    from jsonb_to_recordset(${appends}::jsonb) as x(stream text, version integer)
  )`
}

type PartName = keyof typeof parts
const order: ReadonlyArray<PartName> = ["events", "states", "claims", "puts", "patches", "ordered", "items", "empty"]

/** The statement for the commits that have exactly these parts, with parameters numbered in `order` after $4. */
const statementOf = (present: ReadonlyArray<PartName>) => {
  let next = 5
  const placeholders = () => `$${next++}`
  const ctes = [
    accepted,
    ...present.map((name) => {
      const part = parts[name] as (...params: Array<string>) => string
      return part(...Array.from({ length: part.length }, placeholders))
    })
  ]
  // Data-modifying CTEs always run; `applied_docs` and `checked` are selects of one row and run only when read
  // (a right join makes the statement read them even when nothing is appended).
  const read = [...(present.includes("ordered") ? ["applied_docs"] : []), ...(present.includes("empty") ? ["checked"] : [])]
  const result = present.includes("events")
    ? `select a.position, a.stream_id, a.version from appended a${read.map((cte) => ` right join ${cte} on true`).join("")}`
    : `select null::bigint as position, null::text as stream_id, null::integer as version${read.length > 0 ? ` from ${read.join(", ")}` : " where false"}`
  return `with ${ctes.join(",")}\n${result}`
}

const statements = new Map<number, { readonly name: string; readonly text: string }>()
/** The prepared statement for a shape, `mask` having bit i set when part `order[i]` is present. */
const statementFor = (mask: number) => {
  let statement = statements.get(mask)
  if (statement === undefined) {
    statement = { name: `low_commit_${mask}`, text: statementOf(order.filter((_, i) => (mask & (1 << i)) !== 0)) }
    statements.set(mask, statement)
  }
  return statement
}

/** Failures that mean "another write got there first": the executor looks up again and retries. */
const conflictStates = new Set(["23505", "40001", "40P01"])

const params = (c: Commit) => {
  const encode = eventEncoderOf(c)
  const events: Array<unknown> = []
  const empty: Array<unknown> = []
  const states = new Map<string, unknown>()
  const claims = new Map<string, unknown>()
  for (const op of c.ops) {
    if (op._tag === "Append") {
      if (op.events.length === 0) empty.push({ stream: op.stream, version: op.expectedVersion })
      op.events.forEach((data, seq) => events.push({ stream: op.stream, version: op.expectedVersion + seq + 1, seq, data: encode(data) }))
    } else if (op._tag === "SaveState")
      states.set(op.stream, { stream: op.stream, version: op.version, state: encodedBy(op.schema)(op.state) })
    else claims.set(`${op.index}\u0000${op.key}`, { index: op.index, key: op.key, owner: op.owner })
  }
  const stored = eventsOf(c)
  const views = viewSets(viewRows(stored.flatMap((event) => c.project(event).map((change) => ({ change, version: event.version })))))
  const metadata =
    c.traceparent === undefined
      ? { commandId: c.commandId, fingerprint: c.fingerprint, correlationId: c.commandId, at: c.at }
      : { commandId: c.commandId, fingerprint: c.fingerprint, correlationId: c.commandId, at: c.at, traceparent: c.traceparent }
  const rows: Record<PartName, ReadonlyArray<unknown>> = {
    events,
    states: [...states.values()],
    claims: [...claims.values()],
    ...views,
    empty
  }
  const values: Array<unknown> = [c.entity, c.commandId, c.fingerprint, c.at]
  let mask = 0
  order.forEach((name, i) => {
    if (rows[name].length === 0) return
    mask |= 1 << i
    if (name === "events") values.push(JSON.stringify(metadata))
    values.push(JSON.stringify(rows[name]))
  })
  return { stored, statement: statementFor(mask), values }
}

/** Commits a command's writes in one statement; a broken integrity check is a WriteConflict. */
export const commitWith =
  (pg: PgClient) =>
  (c: Commit): Effect.Effect<ReadonlyArray<Committed>, WriteConflict | PortFailure> =>
    Effect.suspend(() => {
      const { stored, statement, values } = params(c)
      return pg.query<{ position: string | null; stream_id: string | null; version: number | null }>({ ...statement, values }).pipe(
        Effect.map(({ rows }) => {
          const positions = new Map(rows.map((r) => [`${r.stream_id}@${r.version}`, Number(r.position)]))
          return stored.map((event): Committed => ({ ...event, position: positions.get(event.id) ?? 0 }))
        }),
        Effect.catchIf(
          (failure) => conflictStates.has(sqlState(failure) ?? ""),
          (failure) => Effect.fail(new WriteConflict({ reason: String((failure.cause as Error).message) }))
        )
      )
    })
