import { afterAll, beforeAll } from "vitest"
import { startServer, type RunningServer } from "@low/graphql"
import { createTestDatabase, type TestDatabase } from "@low/postgres/testing"
import { describeAbuse } from "@low/testing/abuse"
import { describeConformance } from "@low/testing/conformance"
import { describeExamples } from "@low/testing/examples"
import { describeMetrics } from "@low/testing/metrics"
import { testDomains } from "./testing/domains"
import { GraphqlPostgres } from "./main"

let database: TestDatabase
let server: RunningServer

beforeAll(async () => {
  database = await createTestDatabase()
  server = await startServer(GraphqlPostgres({ port: 0, databaseUrl: database.url, domains: testDomains }))
})

afterAll(async () => {
  await server?.close()
  await database?.drop()
})

describeConformance("graphql-postgres", () => server.url)
describeAbuse("graphql-postgres", () => server.url)
describeExamples("graphql-postgres", () => server.url, testDomains)
describeMetrics("graphql-postgres", () => server.url, {
  series: [
    { name: "low_postgres_pool_connections", labels: { state: "busy" } },
    { name: "low_postgres_pool_connections", labels: { state: "idle" } },
    { name: "low_postgres_pool_waiting_requests" },
    { name: "low_postgres_pool_max_connections", value: 16 },
    { name: "low_dependency_up", labels: { dependency: "postgres" }, value: 1 }
  ]
})
