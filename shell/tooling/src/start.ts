// `pnpm start [project]`: serves one project of projects/ (in-memory when none is named).
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { kafkaSettings } from "@low/kafka"
import { ensureBroker } from "./broker"

const name = process.argv[2] ?? "in-memory"
const folder = fileURLToPath(new URL(`../../../projects/${name}/`, import.meta.url))
const entry = `${folder}src/main.ts`
if (!/^[a-z0-9-]+$/.test(name) || !existsSync(entry)) {
  console.error(`No project "${name}" is built yet. Projects: see the folders under projects/.`)
  process.exit(2)
}
// A project deployed on Kafka gets the development broker when none answers where it points.
const { dependencies = {} } = JSON.parse(readFileSync(`${folder}package.json`, "utf8")) as { dependencies?: Record<string, string> }
if ("@low/kafka" in dependencies) await Effect.runPromise(Effect.flatMap(kafkaSettings, (settings) => ensureBroker(settings.brokers)))
// A server, not a test run: graphql-js then skips its development checks (a cross-realm instanceof check on every
// type test). Read when graphql is first imported, hence before the project is.
process.env["NODE_ENV"] ??= "production"
const project: { main: () => void } = await import(entry)
project.main()
