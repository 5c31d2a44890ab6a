// GraphiQL in a real browser: Debian's Chromium, driven by playwright-core (no browser download), against the project
// as `pnpm start` runs it (the bundle in dist/), with every request to another host refused: the page must work
// offline, from what the server itself serves.
import { accessSync, constants, mkdirSync } from "node:fs"
import { delimiter, join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { gql, spawnProject, type ProjectProcess } from "@low/testing"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const screenshot = join(root, "reports", "browser", "graphiql.png")

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** CHROMIUM_PATH when set, else the first `chromium` on PATH. */
const chromiumPath = () =>
  process.env["CHROMIUM_PATH"] ??
  (process.env["PATH"] ?? "")
    .split(delimiter)
    .map((dir) => join(dir, "chromium"))
    .find(executable)

let project: ProjectProcess
let origin: string
let browser: Browser | undefined
let page: Page
/** Every request the page made to another origin than the server's; each was aborted. */
const elsewhere: Array<string> = []

beforeAll(async () => {
  project = spawnProject("in-memory")
  const url = await Promise.race([
    project.url,
    project.exited.then((code) => Promise.reject(new Error(`in-memory exited (${code}) before listening:\n${project.output()}`)))
  ])
  origin = new URL(url).origin
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await project?.stop()
})

/**
 * Chromium, with a page whose requests to any other origin than the server's are aborted and recorded. Without a
 * Chromium the test fails, saying how to get one: never a skip, in CI or not.
 */
const openPage = async () => {
  const executablePath = chromiumPath()
  if (executablePath === undefined || !executable(executablePath))
    throw new Error(
      "Chromium not found (no `chromium` on PATH, CHROMIUM_PATH unset or not executable): run `bash shell/tooling/chromium.sh ensure` " +
        "(`apt-get install chromium` on Debian), or point CHROMIUM_PATH at a Chromium or Chrome"
    )
  browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-background-networking"] })
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  await context.route("**/*", (route) => {
    const requested = route.request().url()
    if (new URL(requested).origin === origin) return route.continue()
    elsewhere.push(requested)
    return route.abort()
  })
  return context.newPage()
}

/** The text of the Monaco editor inside `selector`, as laid out (one line each), spaces as spaces. */
const editorText = async (selector: string) => {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, which keeps the editor's line breaks
  const text = await page.locator(`${selector} .view-lines`).first().innerText()
  return text.replaceAll("\u00a0", " ")
}

describe("GraphiQL at GET /graphql", () => {
  it("given the in-memory project offline, when a query is typed and run, then its answer shows, with nothing fetched from elsewhere", async () => {
    const run = Date.now().toString(36)
    const id = `graphiql-${run}`
    const owner = `Grace-${run}`
    const opened = await gql(`${origin}/graphql`, "mutation ($owner: String!, $id: ID) { openWallet(owner: $owner, id: $id) { id } }", {
      owner,
      id
    })
    expect(opened.body).toEqual({ data: { openWallet: { id } } })

    page = await openPage()
    // The page inlines some 9 MB of script: on a machine busy with other tests, parsing it can outlast Playwright's
    // 30 s default for the "load" event, so the wait is for the response, then for the editors themselves.
    await page.goto(`${origin}/graphql`, { waitUntil: "commit", timeout: 60_000 })
    // GraphiQL has rendered its editors (with the CDN page, it stays at "Loading…").
    await page
      .locator(".graphiql-query-editor .view-lines")
      .first()
      .waitFor({ timeout: 120_000 })
      .catch((error: Error) =>
        Promise.reject(new Error(`GraphiQL did not render; refused elsewhere: ${JSON.stringify(elsewhere)}`, { cause: error }))
      )

    // One tab per domain, each opening with the domain's playground.
    await expect
      .poll(() => page.locator(".graphiql-tab").allInnerTexts(), { timeout: 30_000 })
      .toEqual(["OpenWallet", "InviteCustomer", "OpenBo"])
    await expect.poll(() => editorText(".graphiql-query-editor"), { timeout: 30_000 }).toContain("mutation OpenWallet {")

    // Replace the document with a query of the wallet opened above, and run it.
    const query = `query ReadBack { wallet(id: "${id}") { id owner balance } }`
    await page.locator(".graphiql-query-editor .view-lines").first().click()
    await page.keyboard.press("ControlOrMeta+A")
    // Cleared first: a "{" typed over a selection would wrap it in braces.
    await page.keyboard.press("Delete")
    await page.keyboard.type(query)
    await expect.poll(() => editorText(".graphiql-query-editor"), { timeout: 30_000 }).toBe(query)
    // GraphiQL has taken the new document's operation (the tab bears its name): Ctrl+Enter runs ReadBack.
    await expect
      .poll(() => page.locator(".graphiql-tab").allInnerTexts(), { timeout: 30_000 })
      .toEqual(["ReadBack", "InviteCustomer", "OpenBo"])
    await page.keyboard.press("ControlOrMeta+Enter")

    await expect.poll(() => editorText(".graphiql-response"), { timeout: 30_000 }).toContain(`"owner": "${owner}"`)
    const answer = JSON.parse(await editorText(".graphiql-response"))
    expect(answer).toEqual({ data: { wallet: { id, owner, balance: 0 } } })

    await page.keyboard.press("Home") // the start of the query back in view, for the screenshot
    mkdirSync(join(root, "reports", "browser"), { recursive: true })
    await page.screenshot({ path: screenshot })
    expect(elsewhere).toEqual([])

    // The guard itself: a request to another host is refused, and seen.
    const fetched = await page.evaluate(() =>
      fetch("https://cdn.example.com/asset.js").then(
        () => "fetched",
        () => "refused"
      )
    )
    expect(fetched).toBe("refused")
    expect(elsewhere).toEqual(["https://cdn.example.com/asset.js"])
  }, 240_000)
})
