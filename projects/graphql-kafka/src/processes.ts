import { spawn, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { KafkaSettings, Role } from "@low/shell/adapters/kafka/config"
import { envOf } from "@low/shell/adapters/kafka/testing"

const root = fileURLToPath(new URL("../../..", import.meta.url))
const start = fileURLToPath(new URL("../../../shell/src/tooling/start.ts", import.meta.url))

/** A project process started for a test: `pnpm start graphql-kafka --role …` without pnpm. */
export interface ProjectProcess {
  readonly clientId: string
  readonly child: ChildProcess
  /** The GraphQL URL, once a bff listens. */
  readonly url: Promise<string>
  readonly exited: Promise<number | null>
  readonly output: () => string
}

/** Starts one process of the project running `roles`, configured by `settings`, with its own client id. */
export const startProcess = (settings: KafkaSettings, roles: ReadonlyArray<Role>, name: string): ProjectProcess => {
  const clientId = `${settings.clientId}-${name}`
  const child = spawn(process.execPath, ["--import", "tsx", start, "graphql-kafka", "--role", roles.join(",")], {
    cwd: root,
    env: { ...process.env, ...envOf(settings), KAFKA_CLIENT_ID: clientId, PORT: "0", LOG_LEVEL: "Info" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  let listening: (url: string) => void = () => undefined
  const url = new Promise<string>((resolve) => (listening = resolve))
  const read = (chunk: Buffer) => {
    output += chunk.toString()
    const match = /Listening on http:\/\/[^:\s"]+:(\d+)/.exec(output)
    if (match !== null) listening(`http://127.0.0.1:${match[1]}/graphql`)
  }
  child.stdout.on("data", read)
  child.stderr.on("data", read)
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return { clientId, child, url, exited, output: () => output }
}

/** Stops a process (SIGKILL when asked) and waits for it to be gone. */
export const stopProcess = async (p: ProjectProcess, signal: NodeJS.Signals = "SIGTERM") => {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal)
  await p.exited
}
