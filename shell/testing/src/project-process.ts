import { spawn, type ChildProcess } from "node:child_process"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const start = fileURLToPath(new URL("../../tooling/start.sh", import.meta.url))

/** `pnpm start <project> [args…]` without pnpm, in a child process; the node that runs this runs the build and the server too. */
export const spawnStart = (project: string, args: ReadonlyArray<string>, env: Record<string, string>, stdio: "inherit" | "pipe") =>
  spawn("bash", [start, project, ...args], {
    cwd: root,
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env["PATH"] ?? ""}`, ...env },
    stdio: ["ignore", stdio, stdio]
  })

/** A project's process started by a test: `pnpm start <project> …` without pnpm. */
export interface ProjectProcess {
  readonly child: ChildProcess
  /** The GraphQL URL, once it listens (a process without the bff role never does). */
  readonly url: Promise<string>
  readonly exited: Promise<number | null>
  /** Everything it printed so far, for failure messages. */
  readonly output: () => string
  /** Sends `signal` (SIGTERM unless told) unless it has ended, and waits for it to be gone. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<void>
}

/**
 * Starts `project` with `args` and `env` on a free port, as `pnpm start` does: shell/tooling/start.sh bundles the
 * project, then replaces itself with `node` on the bundle. The child is then the server itself, so a SIGKILL of it
 * leaves nothing running (a SIGKILL during the build ends the shell; the build finishes on its own and exits).
 * Every call builds, so a test runs the sources as they are; two test workers building one project at once is
 * safe, as each output file is written under a temporary name and renamed over the last.
 */
export const spawnProject = (
  project: string,
  { args = [], env = {} }: { args?: ReadonlyArray<string>; env?: Record<string, string> } = {}
): ProjectProcess => {
  const child = spawnStart(project, args, { PORT: "0", LOG_LEVEL: "Info", ...env }, "pipe")
  let output = ""
  let listening: (url: string) => void = () => undefined
  const url = new Promise<string>((resolve) => (listening = resolve))
  const read = (chunk: Buffer) => {
    output += chunk.toString()
    const port = /Listening on http:\/\/[^\s"]*:(\d+)/.exec(output)?.[1]
    if (port !== undefined) listening(`http://127.0.0.1:${port}/graphql`)
  }
  // Piped, so both are there.
  child.stdout!.on("data", read)
  child.stderr!.on("data", read)
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return {
    child,
    url,
    exited,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    }
  }
}

/** The project's GraphQL URL once it listens; rejects, with what it printed, if it exits first. */
export const listening = (project: ProjectProcess): Promise<string> =>
  Promise.race([
    project.url,
    project.exited.then((code) =>
      Promise.reject(new Error(`exited (${code ?? project.child.signalCode}) before it listened:\n${project.output()}`))
    )
  ])

/** Resolves once `project` has printed `text` (on stdout or stderr); rejects if it exits first. */
export const printed = (project: ProjectProcess, text: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const streams = [project.child.stdout!, project.child.stderr!]
    const check = () => {
      if (!project.output().includes(text)) return
      for (const stream of streams) stream.off("data", check)
      resolve()
    }
    // spawnProject's own listeners come first, so output() already holds each chunk when this one sees it.
    for (const stream of streams) stream.on("data", check)
    project.exited.then((code) => reject(new Error(`exited (${code}) before printing ${JSON.stringify(text)}:\n${project.output()}`)))
    check()
  })
