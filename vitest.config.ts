import { createRequire } from "node:module"
import { defineConfig } from "vitest/config"

// graphql ships CJS (main) and ESM (module): Vite would pick the ESM copy for our sources while graphql-yoga,
// loaded by Node, gets the CJS one, and GraphQLErrors from one copy are not instances of the other's class.
const graphql = createRequire(new URL("./shell/graphql/package.json", import.meta.url)).resolve("graphql")

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphql }] },
  test: {
    include: ["functions/{src,test}/**/*.test.ts", "shell/*/src/**/*.test.ts", "projects/*/src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: integration suites start servers and brokers of their own.
    maxWorkers: 2,
    minWorkers: 1
  }
})
