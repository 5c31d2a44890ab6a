// `pnpm rebuild <project>`: rebuilds a project's read models from its event log.
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const name = process.argv[2] ?? ""
const entry = fileURLToPath(new URL(`../../../projects/${name}/src/main.ts`, import.meta.url))
if (!/^[a-z0-9-]+$/.test(name) || !existsSync(entry)) {
  console.error(`Usage: pnpm run rebuild <project>, with a project folder under projects/.`)
  process.exit(2)
}
const project: { rebuild?: () => Promise<unknown> } = await import(entry)
if (project.rebuild === undefined) {
  console.error(`Project "${name}" keeps no read models to rebuild.`)
  process.exit(2)
}
try {
  const replayed = await project.rebuild()
  console.log(`Rebuilt the read models of ${name} from ${String(replayed)} events.`)
  process.exit(0)
} catch (error) {
  console.error(`The read models of ${name} were not rebuilt: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
