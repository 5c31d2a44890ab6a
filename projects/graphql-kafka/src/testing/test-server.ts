import { afterAll, beforeAll } from "vitest"
import { startServer, type RunningServer } from "@low/graphql"
import type { KafkaSettings } from "@low/kafka"
import { dropTestData, requireServices } from "@low/kafka/testing"
import { testDomains } from "./domains"
import { GraphqlKafka } from "../main"

/**
 * A graphql-kafka server in this process for the tests of one file, on the topics, groups and keys of `settings`:
 * started before them, closed after them, its test data dropped. Returns its GraphQL URL.
 */
export const serveDuringTests = (settings: KafkaSettings) => {
  let server: RunningServer | undefined
  beforeAll(async () => {
    await requireServices()
    server = await startServer(GraphqlKafka({ port: 0, domains: testDomains }, settings))
  }, 180_000)
  afterAll(async () => {
    await server?.close()
    await dropTestData(settings)
  }, 60_000)
  return () => {
    if (server === undefined) throw new Error("the graphql-kafka server did not start")
    return server.url
  }
}
