import { afterAll, beforeAll } from "vitest"
import { startServer, type RunningServer } from "@low/graphql"
import { describeAbuse } from "@low/testing/abuse"
import { describeConformance } from "@low/testing/conformance"
import { describeExamples } from "@low/testing/examples"
import { describeMetrics } from "@low/testing/metrics"
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
describeMetrics("in-memory", () => server.url, {
  series: [{ name: "low_projection_lag_events", labels: { projector: "wallet-balance" }, value: 0 }]
})
