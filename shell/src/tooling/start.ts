// `pnpm start [project]`: serves one project of projects/ (in-memory when none is named).
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const name = process.argv[2] ?? "in-memory"
const entry = fileURLToPath(new URL(`../../../projects/${name}/src/main.ts`, import.meta.url))
if (!/^[a-z0-9-]+$/.test(name) || !existsSync(entry)) {
  console.error(`No project "${name}" is built yet. Projects: see the folders under projects/.`)
  process.exit(2)
}
// A server, not a test run: graphql-js then skips its development checks (a cross-realm instanceof check on every
// type test). Read when graphql is first imported, hence before the project is.
process.env["NODE_ENV"] ??= "production"
const project: { main: () => void } = await import(entry)
project.main()
