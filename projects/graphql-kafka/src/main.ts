import { Effect, Layer } from "effect"
import { runServer, serve, serverConfig, type ServerOptions } from "@low/graphql"
import { KafkaDeployment, kafkaSettings, rebuildReadModels, allRoles, rolesOf, runWorkers, type KafkaSettings, type Role } from "@low/kafka"
import { domains } from "./domains"

/** A bff serving GraphQL on `server`, running `roles` (all by default) beside it. */
export const GraphqlKafka = (server: ServerOptions, settings: KafkaSettings, roles: ReadonlyArray<Role> = allRoles) =>
  serve(server).pipe(Layer.provide(KafkaDeployment.server({ domains: server.domains, settings, roles })))

/** `pnpm start graphql-kafka [--role bff|handler|projector[,…]]` (or ROLE=…). */
export const main = () => {
  const roles = rolesOf(process.argv)
  // One service in the traces, each span saying which roles the process that made it runs.
  const service = { name: "graphql-kafka", attributes: { "low.roles": roles.join(",") } }
  if (!roles.includes("bff")) {
    return runWorkers(
      Layer.unwrapEffect(Effect.map(kafkaSettings, (settings) => KafkaDeployment.workers({ domains, settings, roles }))),
      service
    )
  }
  return runServer(
    Layer.unwrapEffect(
      Effect.zipWith(kafkaSettings, serverConfig, (settings, server) => GraphqlKafka({ ...server, domains }, settings, roles))
    ),
    service
  )
}

/**
 * `pnpm run rebuild graphql-kafka`: clears the read models and replays them from the events topics, unless the
 * topics lost their first records.
 */
export const rebuild = () => Effect.runPromise(Effect.flatMap(kafkaSettings, (settings) => rebuildReadModels(domains, settings)))
