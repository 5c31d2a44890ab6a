import { Context, Effect, Either, Layer, Option } from "effect"
import { EntityStates, PortFailure, UniqueIndex, type StoredEvent, type ViewChange } from "@low/functions"
import { docsChangedBy, EventStore, makeDocWatch, type Commit, type DocId } from "@low/core"
import { Health } from "@low/core"
import { decodedBy } from "@low/core"
import { withStateCache } from "@low/core"
import { Views, type Doc } from "@low/core"
import { commitWith } from "./commit"
import { migrate } from "./migrations"
import { type Announcement, LocalCommits, makeWakeUp, onAnnouncements } from "./wake-up"
import { dependency, Pg, postgresHealth, type PgClient, type PgOptions } from "./pool"

const largestOrder = 2_147_483_647

/** Every port backed by one Postgres database; each read is one query, each commit one statement. */
export const makePostgresPorts = (pg: PgClient, afterCommit: (changed: Iterable<DocId>) => void = () => undefined) => {
  // Readers waiting for a document: told after each commit of this process that changed it, and at other
  // instances' announcements (`othersCommitted`).
  const watch = makeDocWatch()
  /** `c`, with the view changes its projections make kept as the commit works them out, to tell their readers after. */
  const telling = (c: Commit) => {
    const changed: Array<ViewChange> = []
    const project = (event: StoredEvent<{ readonly _tag: string }>) => {
      const changes = c.project(event)
      changed.push(...changes)
      return changes
    }
    return { commit: { ...c, project }, docs: () => docsChangedBy(changed) }
  }
  return {
    states: EntityStates.of({
      get: (stream, schema) =>
        pg
          .query<{ version: number; state: unknown }>({
            name: "low_state",
            text: "select version, state from entity_states where stream_id = $1",
            values: [stream]
          })
          .pipe(
            Effect.flatMap(({ rows: [row] }) => {
              if (row === undefined) return Effect.succeed(Option.none())
              const decoded = decodedBy(schema)(row.state) as Either.Either<typeof schema.Type, unknown>
              return Either.isRight(decoded)
                ? Effect.succeed(Option.some({ version: row.version, state: decoded.right }))
                : Effect.fail(new PortFailure({ dependency, cause: decoded.left }))
            })
          )
    }),
    unique: UniqueIndex.of({
      get: (index, key) =>
        pg
          .query<{ owner: string }>({
            name: "low_unique",
            text: "select owner from unique_keys where index_name = $1 and key = $2",
            values: [index, key]
          })
          .pipe(Effect.map(({ rows: [row] }) => Option.fromNullable(row?.owner)))
    }),
    events: EventStore.of({
      commit: (c) => {
        const { commit, docs } = telling(c)
        return commitWith(pg)(commit).pipe(
          Effect.tap(() =>
            Effect.sync(() => {
              const changed = docs()
              afterCommit(changed)
              watch.documentsChanged(changed)
            })
          )
        )
      },
      accepted: (entity, commandId) =>
        pg
          .query<{ fingerprint: string }>({
            name: "low_accepted",
            text: "select fingerprint from accepted_commands where entity = $1 and command_id = $2",
            values: [entity, commandId]
          })
          .pipe(Effect.map(({ rows: [row] }) => Option.fromNullable(row?.fingerprint)))
    }),
    views: Views.of({
      doc: (view, key) =>
        pg
          .query<{ data: Doc }>({
            name: "low_doc",
            text: "select data from view_docs where view = $1 and key = $2",
            values: [view, key]
          })
          .pipe(Effect.map(({ rows: [row] }) => Option.fromNullable(row?.data))),
      items: (view, key, { first, before }) =>
        pg
          .query<{ ord: number; data: Doc }>({
            name: "low_items",
            text: "select ord, data from view_items where view = $1 and key = $2 and ord < $3 order by ord desc limit $4",
            values: [view, key, before ?? largestOrder, first + 1]
          })
          .pipe(
            Effect.map(({ rows }) => ({
              items: rows.slice(0, first).map((r) => ({ order: r.ord, item: r.data })),
              more: rows.length > first
            }))
          ),
      // This process's commits, as it makes them, and other instances' as Postgres announces them (`othersCommitted`).
      onChange: watch.onChange
    }),
    /** Another instance committed: the readers of the documents it names read again (all, when it names none). */
    othersCommitted: ({ docs }: Announcement) => watch.documentsChanged(docs)
  }
}

export interface PostgresStoreOptions extends PgOptions {
  /**
   * Entity states kept in the process, so that most commands' only round trip is their commit (default 10,000;
   * 0 reads every state from the database). See `withStateCache` for why a state another instance moved is safe.
   */
  readonly cachedStates?: number
}

const defaultCachedStates = 10_000

/** Every port on the database `Pg` reaches, after migrating its schema; `/healthz` asks it `select 1`. */
const portsOnPg = (connectionString: string, cachedStates = defaultCachedStates) =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const pg = yield* Pg
      yield* migrate(pg)
      const wake = yield* makeWakeUp(pg)
      const ports = makePostgresPorts(pg, wake.notify)
      yield* onAnnouncements(connectionString, ports.othersCommitted, wake.instance)
      const { states, events } = cachedStates > 0 ? withStateCache(ports, cachedStates) : ports
      return Context.make(EntityStates, states).pipe(
        Context.add(UniqueIndex, ports.unique),
        Context.add(EventStore, events),
        Context.add(Views, ports.views),
        Context.add(LocalCommits, wake),
        Context.add(Health, [postgresHealth(pg)])
      )
    })
  )

export const PostgresStore = {
  /** The Postgres deployment's storage: a pool, the schema, every port and the health check. */
  layer: ({ cachedStates, ...options }: PostgresStoreOptions) =>
    portsOnPg(options.connectionString, cachedStates).pipe(Layer.provideMerge(Pg.layer(options)))
}
