import { Config, Effect, Layer } from "effect"
import { CommandBus, Executor, Logging, partsOf } from "@low/core"
import { runServer, serve, serverConfig, type ServerOptions } from "@low/graphql"
import { Pg, PostgresStore, ProcessManagers, rebuildViews } from "@low/postgres"
import { domains } from "./domains"

/** The database from DATABASE_URL. */
export const databaseUrlConfig = Config.string("DATABASE_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/postgres"))

export interface GraphqlPostgresOptions extends ServerOptions {
  readonly databaseUrl: string
}

/**
 * Postgres is the event store and the read side. Every projector runs inline in the command's commit, so the
 * executor runs in the caller's fiber and a mutation answers once any instance can read it. Process managers run
 * on subscriptions to the event log, in every instance.
 */
export const GraphqlPostgres = ({ databaseUrl, ...server }: GraphqlPostgresOptions) => {
  const parts = partsOf(server.domains)
  return Layer.merge(serve({ ...server, projectedInCommit: true }), ProcessManagers.layer(databaseUrl, parts)).pipe(
    Layer.provide(CommandBus.direct),
    Layer.provide(Executor.layer({ inlineProjectors: parts.projectors })),
    Layer.provide(PostgresStore.layer({ connectionString: databaseUrl }))
  )
}

export const main = () =>
  runServer(
    Layer.unwrapEffect(
      Effect.map(Effect.all([serverConfig, databaseUrlConfig]), ([server, databaseUrl]) =>
        GraphqlPostgres({ ...server, databaseUrl, domains })
      )
    ),
    { name: "graphql-postgres" }
  )

/** Rebuilds every read model of the database at DATABASE_URL from its event log. */
export const rebuild = () =>
  Effect.runPromise(
    Effect.flatMap(databaseUrlConfig, (databaseUrl) =>
      Effect.flatMap(Pg, (pg) => rebuildViews(pg, partsOf(domains))).pipe(Effect.provide(Pg.layer({ connectionString: databaseUrl })))
    ).pipe(Effect.provide(Logging))
  )
