import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { afterEach, describe, expect, it } from "vitest"
import { buildProject, projectOutput } from "./build"

const running: Array<() => void> = []
afterEach(() => running.splice(0).forEach((kill) => kill()))

/** Resolves with the first match of `pattern` in `output()`, checked whenever output arrives, or rejects after `ms`. */
const waitFor = (output: () => string, onData: (listener: () => void) => void, pattern: RegExp, ms: number) =>
  new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms:\n${output()}`)), ms)
    const check = () => {
      const found = pattern.exec(output())
      if (found !== null) {
        clearTimeout(timer)
        resolve(found)
      }
    }
    onData(check)
    check()
  })

/** The modules a bundle initialises lazily, on first use (esbuild's `__esm` wrappers), by path. */
const lazilyInitialised = (code: string) => [...code.matchAll(/= __esm\(\{\n\s*"([^"]+)"\(\)/g)].map((m) => m[1]!)

describe("buildProject", () => {
  it.each(["in-memory", "graphql-postgres", "graphql-kafka"])(
    "bundles %s with Effect and the shell initialised once, at the start, not lazily on first use",
    async (project) => {
      // A module loaded with import() is initialised lazily, and so is every module it imports: had the tracing
      // SDK imported Effect, every Effect module would have been, each use of its bindings costing more on every
      // request. What is loaded on demand imports none of them.
      const lazy = lazilyInitialised(readFileSync((await buildProject(project)).file, "utf8"))
      expect(lazy).toContain("shell/telemetry/src/span-export.ts")
      expect(lazy.filter((path) => /\/effect@|\/@effect\+|^shell\/(?!telemetry\/src\/span-export\.ts)|^projects\//.test(path))).toEqual([])
    }
  )

  it("bundles the in-memory project to plain JavaScript that node serves and stops on SIGTERM", async () => {
    // Two builds of one project at once, as two test workers starting it do: each file is renamed into place whole.
    const [built] = await Promise.all([buildProject("in-memory"), buildProject("in-memory")])
    expect(built.file).toBe(projectOutput("in-memory"))

    // Self-contained: the bundle imports Node builtins only, so nothing is resolved from node_modules at run time.
    const code = readFileSync(built.file, "utf8")
    const imported = [...code.matchAll(/^import\s(?:[^;"]*\sfrom\s)?"([^"]+)";/gm)].map((m) => m[1]!)
    expect(imported).toContain("node:http")
    expect(imported.filter((specifier) => !builtinModules.includes(specifier.replace(/^node:/, "")))).toEqual([])

    // Plain node: no loader flag, no NODE_OPTIONS, NODE_ENV left to the bundle's default.
    const { NODE_OPTIONS: _options, NODE_ENV: _env, ...env } = process.env
    const child = spawn(process.execPath, [built.file], {
      env: { ...env, PORT: "0", LOG_LEVEL: "Info" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    running.push(() => child.kill("SIGKILL"))
    let output = ""
    const listeners: Array<() => void> = []
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      listeners.forEach((listener) => listener())
    }
    child.stdout.on("data", read)
    child.stderr.on("data", read)
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal }))
    )

    const [, port] = await waitFor(
      () => output,
      (l) => listeners.push(l),
      /Listening on http:\/\/[^\s"]*:(\d+)/,
      20_000
    )
    const base = `http://127.0.0.1:${port}`

    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    const answer = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `mutation { openWallet(owner: "Ada") { owner balance } }` })
    })
    expect(await answer.text()).toBe(`{"data":{"openWallet":{"owner":"Ada","balance":0}}}`)
    // GraphiQL's page, loaded on demand from the file the build wrote beside the bundle.
    const page = await fetch(`${base}/graphql`, { headers: { accept: "text/html" } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain("YogaGraphiQL.renderYogaGraphiQL(")

    child.kill("SIGTERM")
    expect(await exited).toEqual({ code: 0, signal: null })
  }, 90_000)
})
