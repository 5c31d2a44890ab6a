// The build step of `pnpm start [project] [args…]` (shell/tooling/start.sh runs it, then runs the output with node):
// checks the project, starts the development Kafka broker for a project deployed on Kafka when none answers, and
// bundles the project's server to projects/<name>/dist/main.js.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { buildProject, describe, projectFolder } from "./build"

const name = process.argv[2] ?? "in-memory"
const folder = projectFolder(name)
if (folder === undefined) {
  console.error(`No project "${name}" is built yet. Projects: see the folders under projects/.`)
  process.exit(2)
}

// A project deployed on Kafka gets the development broker when none answers where it points. Imported only then, as
// loading effect and kafkajs through tsx takes longer than the build, which runs meanwhile.
const ensureDevelopmentBroker = async () => {
  const [{ Effect }, { kafkaSettings }, { ensureBroker }] = await Promise.all([import("effect"), import("@low/kafka"), import("./broker")])
  await Effect.runPromise(Effect.flatMap(kafkaSettings, (settings) => ensureBroker(settings.brokers)))
}
const { dependencies = {} } = JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as { dependencies?: Record<string, string> }

try {
  const [built] = await Promise.all([buildProject(name), "@low/kafka" in dependencies ? ensureDevelopmentBroker() : undefined])
  console.error(describe(built))
} catch (error) {
  console.error(`${name} did not start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
