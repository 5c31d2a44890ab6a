/**
 * Runs the examples every domain gives of itself against a project's server: each example's steps in order, each
 * answer compared with the data or the error code the step names.
 *
 * ```ts
 * describeExamples("in-memory", () => server.url, testDomains)
 * ```
 */
import { randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import type { Domain } from "@low/functions"
import { errorCode, gql } from "./graphql-client"

export const describeExamples = (projectName: string, url: () => string, domains: ReadonlyArray<Domain>): void => {
  describe(`domain examples: ${projectName}`, { timeout: 30_000 }, () => {
    for (const domain of domains)
      for (const example of domain.examples ?? [])
        it(`${domain.name}: ${example.name}`, async () => {
          const steps = example.steps(`x${randomBytes(5).toString("hex")}`)
          for (const [i, step] of steps.entries()) {
            const response = await gql(url(), step.query, step.variables)
            const where = `step ${i + 1}: ${step.query}`
            if (step.code === undefined) expect(response.body, where).toStrictEqual({ data: step.data })
            else expect(errorCode(response), `${where}\n${JSON.stringify(response.body)}`).toBe(step.code)
          }
        })
  })
}
