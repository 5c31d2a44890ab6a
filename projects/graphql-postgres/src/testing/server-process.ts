import { listening, spawnProject } from "@low/testing"

/** The project running as a child process, as it runs in production: one instance among many. */
export interface ServerProcess {
  readonly url: string
  readonly pid: number
  /** Sends `signal` and waits for the process to end. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<void>
}

/** Starts the project on a free port against `databaseUrl` and waits until it listens. */
export const startServerProcess = async (databaseUrl: string, timeoutMs = 90_000): Promise<ServerProcess> => {
  const started = spawnProject("graphql-postgres", { env: { DATABASE_URL: databaseUrl } })
  let timer: NodeJS.Timeout | undefined
  const url = await Promise.race([
    listening(started),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        started.child.kill("SIGKILL")
        reject(new Error(`server did not listen within ${timeoutMs} ms:\n${started.output()}`))
      }, timeoutMs)
    })
  ]).finally(() => clearTimeout(timer))
  return { url, pid: started.child.pid!, stop: started.stop }
}
