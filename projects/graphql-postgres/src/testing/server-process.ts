import { spawn, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../../", import.meta.url))
const entry = fileURLToPath(new URL("../server.ts", import.meta.url))

/** The project running as a child process, as it runs in production: one instance among many. */
export interface ServerProcess {
  readonly url: string
  readonly pid: number
  /** Sends `signal` and waits for the process to end. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<void>
}

const ended = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())))

/** Starts `src/server.ts` on a free port against `databaseUrl` and waits until it listens. */
export const startServerProcess = (databaseUrl: string, timeoutMs = 90_000): Promise<ServerProcess> =>
  new Promise((resolve, reject) => {
    // Node itself with tsx's loader, not the tsx CLI: the CLI runs the server in a grandchild, which a SIGKILL
    // of the child would leave running.
    const child = spawn(process.execPath, ["--import", "tsx", entry], {
      cwd: root,
      env: { ...process.env, PORT: "0", DATABASE_URL: databaseUrl, LOG_LEVEL: "Info" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`server did not listen within ${timeoutMs} ms:\n${output}`))
    }, timeoutMs)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const port = /Listening on http:\/\/[^\s"]*:(\d+)/.exec(output)?.[1]
      if (port === undefined) return
      clearTimeout(timer)
      child.stdout?.off("data", onData)
      child.stdout?.resume()
      child.stderr?.resume()
      resolve({
        url: `http://127.0.0.1:${port}/graphql`,
        pid: child.pid!,
        stop: (signal = "SIGTERM") => {
          child.kill(signal)
          return ended(child)
        }
      })
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", (chunk: Buffer) => void (output += chunk.toString()))
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`server exited (${code ?? signal}) before it listened:\n${output}`))
    })
  })
