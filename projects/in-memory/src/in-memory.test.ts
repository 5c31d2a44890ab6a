import { afterAll, beforeAll } from "vitest"
import { startServer, type RunningServer } from "@low/graphql"
import { describeConformance } from "@low/testing/conformance"
import { InMemory } from "./main"

let server: RunningServer
beforeAll(async () => {
  server = await startServer(InMemory({ port: 0 }))
})
afterAll(() => server.close())

describeConformance("in-memory", () => server.url)
