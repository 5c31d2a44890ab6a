import { spawnStart } from "@low/testing"

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
