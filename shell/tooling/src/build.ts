// Bundles a project's server, or a tooling script, into one plain-JavaScript file that `node` runs without a
// TypeScript loader: every dependency inside (one copy of graphql, nothing resolved from pnpm's node_modules at
// run time), Node builtins and pg-native outside. A server's few deferred packages go to files of their own beside it.
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { build, type BuildOptions, type OutputFile, type Plugin } from "esbuild"

export const root = fileURLToPath(new URL("../../../", import.meta.url))

/** The folder of project `name` under projects/, when `name` names one (a folder with src/main.ts). */
export const projectFolder = (name: string): string | undefined => {
  const folder = join(root, "projects", name)
  return /^[a-z0-9-]+$/.test(name) && existsSync(join(folder, "src", "main.ts")) ? folder : undefined
}

/**
 * Where `buildProject` writes a project's server: projects/<name>/dist/main.js (with main.js.map), and beside it
 * the deferred packages it loads on demand.
 */
export const projectOutput = (name: string) => join(root, "projects", name, "dist", "main.js")

/**
 * Bundled CommonJS (kafkajs, pg, ioredis) calls `require` for Node builtins, which an ES module lacks: the banner
 * gives the bundle one. NODE_ENV defaults to production before any bundled module runs, so graphql-js skips its
 * development checks (a cross-realm instanceof check on every type test); a NODE_ENV that is set is kept.
 */
const requireBanner = `import { createRequire as __lowCreateRequire } from "node:module"; const require = __lowCreateRequire(import.meta.url);`
const serverBanner = `${requireBanner} process.env.NODE_ENV ??= "production";`

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  sourcesContent: false,
  // pg's optional native client, required (in a try) only when pg.native is read: left to node, which lacks it.
  external: ["pg-native"],
  logLevel: "warning",
  write: false
} as const satisfies BuildOptions

const workspaceSource = /\.ts$/
const inWorkspace = (path: string) => !path.includes("/node_modules/")
/**
 * For a server bundle meant to run on its own: import.meta.url in the workspace's sources would point at the bundle,
 * not at the source, so any use of it stops the build (the runtime packages read no file beside their code).
 */
const noImportMeta: Plugin = {
  name: "low-no-import-meta",
  setup(b) {
    b.onLoad({ filter: workspaceSource }, ({ path }) => {
      if (!inWorkspace(path) || !readFileSync(path, "utf8").includes("import.meta")) return undefined
      return { errors: [{ text: `${relative(root, path)} uses import.meta, which a server bundle cannot keep` }] }
    })
  }
}

/**
 * For a tooling bundle, which runs only inside this repository: import.meta.url in the workspace's sources is the
 * URL of the source file itself, so paths relative to it (the repository root, broker.sh, projects/) still hold.
 */
const sourceUrls: Plugin = {
  name: "low-source-urls",
  setup(b) {
    b.onLoad({ filter: workspaceSource }, ({ path }) => {
      if (!inWorkspace(path)) return undefined
      const source = readFileSync(path, "utf8")
      if (!source.includes("import.meta.url")) return undefined
      return { contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(path).href)), loader: "ts" }
    })
  }
}

/**
 * Packages a server imports only on demand, with `import()`, and too large to parse at every start (GraphiQL's page,
 * some 9 MB of inline script, styles and fonts, costs a process about 300 ms and 50 MB): each is bundled to a file
 * of its own beside the server, named here, and the server's `import()` loads it from there when first needed.
 */
const deferred: Readonly<Record<string, string>> = { "@graphql-yoga/render-graphiql": "graphiql.js" }

/** Records in `found` the entry of each deferred package the server imports, and leaves the import to node at run time. */
const deferImports = (found: Map<string, string>): Plugin => ({
  name: "low-defer-imports",
  setup(b) {
    const names = Object.keys(deferred).map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
    b.onResolve({ filter: new RegExp(`^(${names.join("|")})$`) }, async ({ path, resolveDir, kind, importer, pluginData }) => {
      if (pluginData === deferImports) return undefined // the resolve below, finding the package's own entry
      if (kind !== "dynamic-import")
        return { errors: [{ text: `${relative(root, importer)} imports ${path} statically; it is loaded only with import()` }] }
      const resolved = await b.resolve(path, { resolveDir, kind, pluginData: deferImports })
      if (resolved.errors.length > 0) return { errors: resolved.errors }
      const file = deferred[path]!
      found.set(file, resolved.path)
      return { path: `./${file}`, external: true }
    })
  }
})

/**
 * Writes `file` through a temporary name and a rename, so a process starting it (or another build of the same
 * project, in a test worker beside this one) reads either the old file or the new one, never half of one.
 */
const writeAtomically = (file: string, contents: Uint8Array) => {
  mkdirSync(dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`
  writeFileSync(temporary, contents)
  renameSync(temporary, file)
}

/** Source maps before the code that names them: a bundle never points at a map older than itself. */
const writeOutputs = (files: ReadonlyArray<OutputFile>) => {
  for (const file of [...files].sort((a, b) => Number(b.path.endsWith(".map")) - Number(a.path.endsWith(".map"))))
    writeAtomically(file.path, file.contents)
}

export interface Built {
  readonly file: string
  readonly bytes: number
  readonly ms: number
}

/** Bundles project `name`'s server: an entry that imports src/main.ts and calls `main()`. */
export const buildProject = async (name: string): Promise<Built> => {
  const folder = projectFolder(name)
  if (folder === undefined) throw new Error(`no project "${name}" under projects/`)
  const started = performance.now()
  const outfile = projectOutput(name)
  const found = new Map<string, string>()
  const result = await build({
    ...common,
    stdin: { contents: `import { main } from "./src/main.ts"\nmain()\n`, resolveDir: folder, sourcefile: "server.ts", loader: "ts" },
    outfile,
    banner: { js: serverBanner },
    plugins: [noImportMeta, deferImports(found)]
  })
  const besides = await Promise.all(
    [...found].map(([file, entry]) =>
      build({ ...common, entryPoints: [entry], outfile: join(dirname(outfile), file), banner: { js: requireBanner } })
    )
  )
  // What the server loads on demand before the server: a bundle never imports a file older than itself.
  writeOutputs(besides.flatMap((built) => built.outputFiles))
  writeOutputs(result.outputFiles)
  const bytes = result.outputFiles.find((f) => f.path === outfile)?.contents.byteLength ?? 0
  return { file: outfile, bytes, ms: Math.round(performance.now() - started) }
}

/** Where `buildTools` writes the compiled form of shell/tooling/src/<path>.ts. */
export const toolOutput = (path: string) => join(root, "shell", "tooling", "dist", path.replace(/\.ts$/, ".js"))

/** Bundles tooling scripts (paths under shell/tooling/src) to shell/tooling/dist, one self-contained file each. */
export const buildTools = async (paths: ReadonlyArray<string>): Promise<Array<Built>> => {
  const started = performance.now()
  const src = join(root, "shell", "tooling", "src")
  const result = await build({
    ...common,
    entryPoints: paths.map((p) => join(src, p)),
    outbase: src,
    outdir: join(root, "shell", "tooling", "dist"),
    banner: { js: requireBanner },
    plugins: [sourceUrls]
  })
  writeOutputs(result.outputFiles)
  const ms = Math.round(performance.now() - started)
  return paths.map((p) => {
    const file = toolOutput(p)
    return { file, bytes: result.outputFiles.find((f) => f.path === file)?.contents.byteLength ?? 0, ms }
  })
}

/** "1.9 MB in 640 ms", for the build's one line of output. */
export const describe = ({ file, bytes, ms }: Built) => `built ${relative(root, file)} (${(bytes / 1_000_000).toFixed(1)} MB) in ${ms} ms`
