// The layout's promises, checked on the repository itself.
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const runtimePackages = ["core", "postgres", "kafka", "graphql", "telemetry"].map((name) => join(root, "shell", name))
const projects = readdirSync(join(root, "projects")).map((name) => join(root, "projects", name))

const manifest = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    name: string
    dependencies?: Record<string, string>
    optionalDependencies?: Record<string, string>
  }

const files = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })

/** Every package a package needs at run time, as installed: its dependencies, theirs, and so on. */
const productionClosure = (dir: string, seen = new Map<string, string>()) => {
  const { dependencies = {}, optionalDependencies = {} } = manifest(dir)
  for (const name of Object.keys({ ...dependencies, ...optionalDependencies })) {
    if (seen.has(name)) continue
    let found: string | undefined
    for (let at = dir; found === undefined; at = dirname(at)) {
      try {
        found = realpathSync(join(at, "node_modules", name))
      } catch {
        if (at === dirname(at)) break
      }
    }
    if (found === undefined) continue // an optional dependency not installed on this platform
    seen.set(name, found)
    productionClosure(found, seen)
  }
  return seen
}

const domainWords = /\b(wallets?|customers?|invit\w*|transfers?|e-?mails?|balances?|debit\w*|credit\w*|counters?)\b/i
const testOrTool = /(\.test\.ts|\/testing\.ts|\/testing\/)$|\/testing\//
/** Effect's and Prometheus' names for a metric that sums, which are no domain. */
const effectApi = /\bMetric(Key)?\.counter\b|\bPrometheusType\.Counter\b|\bCounter: "counter"/g

describe("the layout", () => {
  it("given the shell's runtime code, when read, then it names no domain", () => {
    const named = runtimePackages.flatMap((dir) =>
      files(join(dir, "src"))
        .filter((file) => !testOrTool.test(file))
        .flatMap((file) =>
          readFileSync(file, "utf8")
            .split("\n")
            .flatMap((line, i) =>
              domainWords.test(line.replace(effectApi, "")) ? [`${file.slice(root.length)}:${i + 1}: ${line.trim()}`] : []
            )
        )
    )
    expect(named).toEqual([])
  })

  it("given the in-memory project, when its production dependencies are listed, then none is a Postgres, Kafka or Redis client", () => {
    const closure = [...productionClosure(join(root, "projects", "in-memory")).keys()]
    expect(closure).toContain("graphql-yoga")
    expect(closure.filter((name) => ["pg", "kafkajs", "ioredis"].includes(name))).toEqual([])
  })

  it("given the runtime packages and the projects, when their dependencies are read, then no test or benchmark tool is among them", () => {
    const tools = /^(vitest|@effect\/vitest|fast-check|autocannon|@event-driven-io\/.*|@low\/testing|@low\/tooling|tsx|esbuild)$/
    for (const dir of [...runtimePackages, ...projects])
      expect(
        Object.keys(manifest(dir).dependencies ?? {}).filter((name) => tools.test(name)),
        manifest(dir).name
      ).toEqual([])
  })

  it("given the functions, when their dependencies are read, then effect is the only one", () => {
    expect(Object.keys(manifest(join(root, "functions")).dependencies ?? {})).toEqual(["effect"])
  })
})
