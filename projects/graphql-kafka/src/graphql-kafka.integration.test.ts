import { afterAll, beforeAll } from "vitest"
import { startServer, type RunningServer } from "@low/shell"
import { dropTestData, requireServices, testSettings } from "@low/shell/adapters/kafka/testing"
import { describeConformance } from "@low/shell/testing/conformance"
import { GraphqlKafka } from "./main"

const settings = testSettings("conformance")
let server: RunningServer | undefined

beforeAll(async () => {
  await requireServices()
  server = await startServer(GraphqlKafka({ port: 0 }, settings))
}, 180_000)

afterAll(async () => {
  await server?.close()
  await dropTestData(settings)
}, 60_000)

describeConformance("graphql-kafka", () => {
  if (server === undefined) throw new Error("the graphql-kafka server did not start")
  return server.url
})
