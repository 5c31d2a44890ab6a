import { spawn } from "node:child_process"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../../", import.meta.url))
const start = fileURLToPath(new URL("../../start.sh", import.meta.url))

/**
 * `pnpm start <project> [args…]` without pnpm: shell/tooling/start.sh builds the project, then replaces itself with
 * `node` on the bundle, so the child is the server and a signal sent to it reaches the server.
 */
export const spawnStart = (project: string, args: ReadonlyArray<string>, env: Record<string, string>, stdio: "inherit" | "pipe") =>
  spawn("bash", [start, project, ...args], {
    cwd: root,
    // The node that runs this runs the server too.
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env["PATH"] ?? ""}`, ...env },
    stdio: ["ignore", stdio, stdio]
  })

/** A project's server in a child process of its own, so load generation does not share its event loop. */
export const startProjectProcess = async (project: string, port: number, env: Record<string, string> = {}) => {
  const child = spawnStart(project, [], { PORT: String(port), LOG_LEVEL: "Warning", ...env }, "inherit")
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 120_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${project} exited with ${child.exitCode}`)
    const healthy = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false
    )
    if (healthy) break
    if (Date.now() > deadline) throw new Error(`${project} did not become healthy in time`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    url: `${base}/graphql`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
  }
}
