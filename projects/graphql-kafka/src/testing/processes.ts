import type { KafkaSettings, Role } from "@low/kafka"
import { envOf } from "@low/kafka/testing"
import { spawnProject, type ProjectProcess } from "@low/testing"

/** One process of the project, named by its Kafka client id. */
export interface KafkaProcess extends ProjectProcess {
  readonly clientId: string
}

/** Starts one process of the project running `roles`, configured by `settings` (and `env`), with its own client id. */
export const startProcess = (
  settings: KafkaSettings,
  roles: ReadonlyArray<Role>,
  name: string,
  env: Readonly<Record<string, string>> = {}
): KafkaProcess => {
  const clientId = `${settings.clientId}-${name}`
  const started = spawnProject("graphql-kafka", {
    args: ["--role", roles.join(",")],
    env: { ...envOf(settings), KAFKA_CLIENT_ID: clientId, ...env }
  })
  return { ...started, clientId }
}
