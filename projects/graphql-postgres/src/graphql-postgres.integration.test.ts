import { afterAll, beforeAll } from "vitest"
import { startServer, type RunningServer } from "@low/shell"
import { createTestDatabase, type TestDatabase } from "@low/shell/adapters/postgres/testing"
import { describeConformance } from "@low/shell/testing/conformance"
import { GraphqlPostgres } from "./main"

let database: TestDatabase
let server: RunningServer

beforeAll(async () => {
  database = await createTestDatabase()
  server = await startServer(GraphqlPostgres({ port: 0, databaseUrl: database.url }))
})

afterAll(async () => {
  await server?.close()
  await database?.drop()
})

describeConformance("graphql-postgres", () => server.url)
