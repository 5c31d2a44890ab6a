/**
 * The GraphQL conformance suite: what the contract (conformance/api.graphql) promises, checked over real HTTP, written once and
 * run unchanged against every project. A project test starts its server and hands over a getter for the URL of
 * POST /graphql (read lazily, because the server starts after the suite is declared):
 *
 * ```ts
 * // projects/in-memory/src/in-memory.test.ts
 * import { afterAll, beforeAll } from "vitest"
 * import { describeConformance } from "@low/testing/conformance"
 *
 * let server: { url: string; close: () => Promise<void> }
 * beforeAll(async () => { server = await startInMemory({ port: 0 }) })
 * afterAll(() => server.close())
 * describeConformance("in-memory", () => server.url) // e.g. http://127.0.0.1:PORT/graphql
 * ```
 *
 * Every id, email and commandId starts with a random per-run prefix, so the suite may run against a long-lived
 * database, twice in a row, or beside another run without seeing their data. It tests only the contract: nothing
 * about a project's internals, and nothing the contract leaves open (e.g. whether the stored owner is trimmed).
 * GET /healthz is expected on the same host. Timeouts are generous because the Kafka project is slow to answer.
 */
import { describe } from "vitest"
import { describeBadInput } from "./conformance/bad-input"
import { describeConcurrency } from "./conformance/concurrency"
import { describeContract } from "./conformance/contract"
import { describeDomainErrors } from "./conformance/domain-errors"
import { makeApi, makeIds } from "./conformance/fixtures"
import { makeGiven, type SuiteContext } from "./conformance/given"
import { describeHttp } from "./conformance/http"
import { describeIdempotency } from "./conformance/idempotency"
import { describeOpenWallet } from "./conformance/open-wallet"
import { describeQueries } from "./conformance/queries"
import { describeReadYourWrites } from "./conformance/read-your-writes"
import { describeTransactions } from "./conformance/transactions"
import { describeTransfers } from "./conformance/transfers"

/** What a project serves of the contract, when not all of it. */
export interface ConformanceOptions {
  /** False for a project that does not serve the transfer domain: its part of the contract is left out. */
  readonly transfers?: boolean
}

/** Declares the GraphQL conformance suite for one project, whose POST /graphql URL `url` returns. */
export const describeConformance = (projectName: string, url: () => string, { transfers = true }: ConformanceOptions = {}): void => {
  const api = makeApi(url)
  const ids = makeIds()
  const context: SuiteContext = { url, api, ids, given: makeGiven({ api, ids }) }

  describe(`GraphQL conformance: ${projectName}`, { timeout: 30_000 }, () => {
    describeContract(context, { transfers })
    describeOpenWallet(context)
    describeBadInput(context)
    describeDomainErrors(context)
    describeIdempotency(context)
    describeReadYourWrites(context)
    describeTransactions(context)
    describeQueries(context)
    describeConcurrency(context)
    if (transfers) describeTransfers(context)
    describeHttp(context)
  })
}
