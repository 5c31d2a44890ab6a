import { Effect, Schema } from "effect"
import type { PortFailure } from "@low/functions"
import { WriteConflict } from "../../errors"
import { eventsOf, type Commit, type Committed } from "../../event-store"
import { sqlState, type PgClient } from "./pool"
import { viewParams, viewRows, viewStatements } from "./view-rows"

/**
 * One command's whole write as ONE statement, so one round trip and one atomic transaction (autocommit):
 * the accepted commandId, the events, the entity states, the unique keys and the inline projections (the right
 * join makes the statement run the document function even when nothing is appended).
 * Integrity is the database's: a stale expectedVersion breaks UNIQUE (stream_id, version), one ahead of the
 * stream finds no previous event, a reused commandId breaks the accepted_commands key, a key held by another
 * owner raises on its upsert; states only move forward.
 */
const statement = `
with accepted as (
  insert into accepted_commands (entity, command_id, fingerprint, accepted_at) values ($1, $2, $3, $4::timestamptz)
),
appended as (
  insert into events (stream_id, version, command_id, seq, type, data, metadata)
  select e.stream,
    -- (the outer-only "e.version > 1" keeps the planner from hashing the whole events table for this check)
    case when e.seq > 0 or e.version = 1
      or exists (select from events p where p.stream_id = e.stream and p.version = e.version - 1 and e.version > 1)
      then e.version else low_conflict(e.stream || ' is not at version ' || (e.version - 1), 0) end,
    $2, e.seq, e.data->>'_tag', e.data, $5::jsonb
  from jsonb_to_recordset($6::jsonb) as e(stream text, version integer, seq integer, data jsonb)
  returning position, stream_id, version
),
saved as (
  insert into entity_states (stream_id, version, state)
  select s.stream, s.version, s.state from jsonb_to_recordset($7::jsonb) as s(stream text, version integer, state jsonb)
  on conflict (stream_id) do update set version = excluded.version, state = excluded.state
  where entity_states.version < excluded.version
),
claimed as (
  insert into unique_keys (index_name, key, owner)
  select c.index, c.key, c.owner from jsonb_to_recordset($8::jsonb) as c(index text, key text, owner text)
  on conflict (index_name, key) do update set owner = case when unique_keys.owner = excluded.owner
    then excluded.owner else low_conflict(excluded.index_name || ' ' || excluded.key || ' is held by another owner', ''::text) end
),
${viewStatements(9)}
select a.position, a.stream_id, a.version from appended a right join applied_docs on true`

/** Failures that mean "another write got there first": the executor looks up again and retries. */
const conflictStates = new Set(["23505", "40001", "40P01"])

const encoders = new WeakMap<Schema.Schema<any, any>, (state: unknown) => unknown>()
/** The state as its schema encodes it, with one encoder per schema. */
const encode = (schema: Schema.Schema<any, any>, state: unknown) => {
  let encoder = encoders.get(schema)
  if (encoder === undefined) encoders.set(schema, (encoder = Schema.encodeSync(schema)))
  return encoder(state)
}

const params = (c: Commit) => {
  const events: Array<unknown> = []
  const states = new Map<string, unknown>()
  const claims = new Map<string, unknown>()
  for (const op of c.ops) {
    if (op._tag === "Append")
      op.events.forEach((data, seq) => events.push({ stream: op.stream, version: op.expectedVersion + seq + 1, seq, data }))
    else if (op._tag === "SaveState")
      states.set(op.stream, { stream: op.stream, version: op.version, state: encode(op.schema, op.state) })
    else claims.set(`${op.index}\u0000${op.key}`, { index: op.index, key: op.key, owner: op.owner })
  }
  const stored = eventsOf(c)
  const views = viewRows(stored.flatMap((event) => c.project(event).map((change) => ({ change, version: event.version }))))
  const metadata = { commandId: c.commandId, fingerprint: c.fingerprint, correlationId: c.commandId, at: c.at }
  return {
    stored,
    values: [
      c.entity, c.commandId, c.fingerprint, c.at, JSON.stringify(metadata),
      JSON.stringify(events), JSON.stringify([...states.values()]), JSON.stringify([...claims.values()]),
      ...viewParams(views)
    ]
  }
}

/** Commits a command's writes in one statement; a broken integrity check is a WriteConflict. */
export const commitWith = (pg: PgClient) => (c: Commit): Effect.Effect<ReadonlyArray<Committed>, WriteConflict | PortFailure> =>
  Effect.suspend(() => {
    const { stored, values } = params(c)
    return pg.query<{ position: string | null; stream_id: string | null; version: number | null }>({ name: "low_commit", text: statement, values }).pipe(
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
