import { afterAll, beforeAll } from "vitest"
import { startServer, type RunningServer } from "@low/graphql"
import { describeAbuse } from "@low/testing/abuse"
import { describeConformance } from "@low/testing/conformance"
import { describeExamples } from "@low/testing/examples"
import { testDomains } from "./testing/domains"
import { InMemory } from "./main"

let server: RunningServer
beforeAll(async () => {
  server = await startServer(InMemory({ port: 0, domains: testDomains }))
})
afterAll(() => server.close())

describeConformance("in-memory", () => server.url)
describeAbuse("in-memory", () => server.url)
describeExamples("in-memory", () => server.url, testDomains)
