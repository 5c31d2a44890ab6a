import { Effect, Layer } from "effect"
import { inviteCustomer, wallet } from "@low/functions"
import { portConfig, runServer, serve, type ServerOptions } from "@low/shell"
import { ensureBroker } from "@low/shell/adapters/kafka/broker"
import { kafkaSettings, rolesOf, type KafkaSettings, type Role } from "@low/shell/adapters/kafka/config"
import { KafkaDeployment } from "@low/shell/adapters/kafka/deployment"
import { rebuildReadModels } from "@low/shell/adapters/kafka/rebuild"
import { runWorkers } from "@low/shell/adapters/kafka/run"

const domains = [wallet, inviteCustomer]

/** A bff serving GraphQL on `server`, running `roles` (all by default) beside it. */
export const GraphqlKafka = (server: ServerOptions, settings: KafkaSettings, roles: ReadonlyArray<Role> = ["bff", "handler", "projector"]) =>
  serve(server).pipe(Layer.provide(KafkaDeployment.server({ domains, settings, roles })))

/** `pnpm start graphql-kafka [--role bff|handler|projector[,…]]` (or ROLE=…); starts the development broker if none answers. */
export const main = () => {
  const roles = rolesOf(process.argv)
  const ready = Effect.tap(kafkaSettings, (settings) => ensureBroker(settings.brokers))
  if (!roles.includes("bff")) {
    return runWorkers(Layer.unwrapEffect(Effect.map(ready, (settings) => KafkaDeployment.workers({ domains, settings, roles }))))
  }
  return runServer(Layer.unwrapEffect(Effect.zipWith(ready, portConfig, (settings, port) => GraphqlKafka({ port, host: "0.0.0.0" }, settings, roles))))
}

/**
 * `pnpm run rebuild graphql-kafka`: clears the read models and replays them from the events topics, unless the
 * topics lost their first records.
 */
export const rebuild = () => Effect.runPromise(Effect.flatMap(kafkaSettings, (settings) => rebuildReadModels(domains, settings)))
