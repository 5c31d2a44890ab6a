import { afterAll, beforeAll } from "vitest"
import { startServer, type RunningServer } from "@low/graphql"
import { createTestDatabase, type TestDatabase } from "@low/postgres/testing"
import { describeAbuse } from "@low/testing/abuse"
import { describeConformance } from "@low/testing/conformance"
import { describeExamples } from "@low/testing/examples"
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
