import type { ChildProcess } from "node:child_process"
import { readFileSync } from "node:fs"
import { spawnStart } from "@low/testing"

/**
 * The CPU time a process has used so far, in milliseconds (user and system, from /proc on Linux): a figure that the
 * machine's other work moves far less than throughput.
 */
export const cpuMillis = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // utime and stime, in clock ticks of 1/100 s
}

/**
 * Waits until the server `child` runs answers `GET /healthz` on `port` with 200, asking every `everyMs`; fails when
 * the child exits first, or after `withinMs`.
 */
export const awaitHealthy = async (name: string, port: number, child: ChildProcess, withinMs: number, everyMs: number) => {
  for (const deadline = Date.now() + withinMs; ; ) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited with ${child.exitCode ?? child.signalCode}`)
    const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false
    )
    if (healthy) return
    if (Date.now() > deadline) throw new Error(`${name} did not become healthy in time`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** A project's server in a child process of its own, so load generation does not share its event loop. */
export const startProjectProcess = async (project: string, port: number, env: Record<string, string> = {}) => {
  const child = spawnStart(project, [], { PORT: String(port), LOG_LEVEL: "Warning", ...env }, "inherit")
  const base = `http://127.0.0.1:${port}`
  await awaitHealthy(project, port, child, 120_000, 200)
  return {
    url: `${base}/graphql`,
    /** The server's CPU milliseconds so far (start.sh replaces its shell with the server, so the child is the server). */
    cpu: () => cpuMillis(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
  }
}
