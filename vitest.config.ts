import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["{functions,shell,projects}/**/src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: integration suites start servers and brokers of their own.
    maxWorkers: 2,
    minWorkers: 1
  }
})
